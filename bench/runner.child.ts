/** Child process for bench/runner.ts: runs the generated playbook on N hand-built hosts, plain output. */
import {loadPlaybook, runPlaybook} from '../src/runner/index.js'
import {simpleInventory} from '../src/runner/inventory-adapter.js'
import {PlainReporter} from '../src/runner/reporters/plain.js'

const [file, count] = [process.argv[2], Number(process.argv[3])]
const hosts = Object.fromEntries(Array.from({length: count}, (_, i) => [`h${i + 1}`, {idx: i + 1}]))
const out: string[] = []
const result = await runPlaybook(await loadPlaybook(file), {
  inventory: simpleInventory(hosts), forks: 100,
  reporter: new PlainReporter((l) => { out.push(l); if (out.length > 2000) process.stdout.write(out.splice(0).join('\n') + '\n') }),
})
process.stdout.write(out.join('\n') + '\n')
process.exit(result.ok ? 0 : 1)
