// One windowsize transfer with the bmpctl client, in its own process; prints "<bytes> <seconds>".
import {tftpGet} from '../src/protocols/tftp/client.js'

const [port, file, blksize, windowsize] = process.argv.slice(2)
const t0 = process.hrtime.bigint()
const r = await tftpGet({host: '127.0.0.1', port: Number(port), filename: file, blksize: Number(blksize), windowsize: Number(windowsize), collect: false})
console.log(`${r.bytes} ${Number(process.hrtime.bigint() - t0) / 1e9}`)
