// Copies the shell and awk assets the LiveOS and the lab guest image are built from into
// dist/, so an installed package (which ships dist/, not src/) finds them.
import {cpSync, rmSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const assets = [
  ['src/liveos/init.sh', 'dist/liveos/init.sh'],
  ['src/liveos/agent', 'dist/liveos/agent'],
  ['src/testenv/guest', 'dist/testenv/guest'],
]
for (const [from, to] of assets) {
  rmSync(join(root, to), {recursive: true, force: true})
  cpSync(join(root, from), join(root, to), {recursive: true})
}
