// Runs one `nodes` command class in this process (no build, no manifest) and exits with its code.
import {handle} from '@oclif/core'
import {fileURLToPath} from 'node:url'

const [name, ...argv] = process.argv.slice(2)
const root = fileURLToPath(new URL('../../../', import.meta.url))
const mod = (await import(`../../../src/commands/nodes/${name}.js`)) as {default: {run(argv: string[], root: string): Promise<unknown>}}
try {
  await mod.default.run(argv, root)
} catch (err) {
  await handle(err as Error)
}
