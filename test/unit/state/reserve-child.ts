// Child process for the reservation tests: reserves argv[3] in the store at argv[2], says so, then
// either waits to be killed ("hold") or exits normally ("exit").
import {openStore} from '../../../src/state/store.js'

const [dir, node, mode] = process.argv.slice(2)
const store = openStore(dir)
try {
  store.reserve(node, 'test hold')
  process.stdout.write('reserved\n')
} catch (err) {
  process.stdout.write(`error ${(err as Error).name}: ${(err as Error).message}\n`)
  process.exit(1)
}
if (mode === 'exit') process.exit(0)
setInterval(() => {}, 60_000)
