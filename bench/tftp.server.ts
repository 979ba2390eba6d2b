// Runs the bmpctl TFTP server in its own process for bench/tftp.ts; prints "READY <port>".
import {silentLogger} from '../src/log.js'
import {startTftpServer} from '../src/servers/tftp/server.js'

const [root, port] = process.argv.slice(2)
const server = await startTftpServer({root, port: Number(port), bindAddress: '127.0.0.1', log: silentLogger, perClientRate: 100000, maxTransfers: 1000})
console.log(`READY ${server.port}`)
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)))
