import {createServer} from 'node:http'

/**
 * Stand-in for bmpctl's callback endpoint, run inside a lab namespace
 * (`ip netns exec <ns> node --import tsx test/support/lab-callback.ts <ip> <port> [failFirst]`).
 * Prints `LISTENING` once bound, then one JSON line per request; answers 503 to the first
 * `failFirst` requests (to exercise the agent's retry) and 200 afterwards.
 */
const [host = '192.0.2.1', portArg = '8080', failArg = '0'] = process.argv.slice(2)
let failLeft = Number(failArg)

const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const status = failLeft-- > 0 ? 503 : 200
    process.stdout.write(JSON.stringify({method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString(), status}) + '\n')
    res.writeHead(status, {'content-type': 'application/json'}).end(status === 200 ? '{"ok":true}' : '{"error":"try later"}')
  })
})
server.listen(Number(portArg), host, () => process.stdout.write('LISTENING\n'))
