// Runs one command class from src/ in this process (no build, no manifest) and exits with its code.
// Usage: node --import tsx run-command.ts <id like "enroll" or "vbmc:start"> [argv…]
import {handle} from '@oclif/core'
import {fileURLToPath} from 'node:url'

const [id, ...argv] = process.argv.slice(2)
const root = fileURLToPath(new URL('../../../', import.meta.url))
const mod = (await import(`../../../src/commands/${id.split(':').join('/')}.js`)) as {default: {run(argv: string[], root: string): Promise<unknown>}}
try {
  await mod.default.run(argv, root)
} catch (err) {
  await handle(err as Error)
}
