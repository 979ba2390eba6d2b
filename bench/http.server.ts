// Runs the bmpctl HTTP server in its own process for bench/http.ts; prints "READY <port>".
import {silentLogger} from '../src/log.js'
import {startHttpServer} from '../src/servers/http/server.js'

const [root, port] = process.argv.slice(2)
const server = await startHttpServer({root, port: Number(port), bindAddress: '127.0.0.1', log: silentLogger})
console.log(`READY ${server.port}`)
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)))
