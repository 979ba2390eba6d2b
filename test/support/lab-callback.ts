import {createReadStream, statSync} from 'node:fs'
import {createServer} from 'node:http'
import {join, normalize} from 'node:path'

/**
 * Stand-in for bmpctl's HTTP side, run inside a lab namespace
 * (`ip netns exec <ns> node --import tsx test/support/lab-callback.ts <ip> <port> [failFirst] [dir]`).
 * Prints `LISTENING` once bound, then one JSON line per request. POSTs are callbacks:
 * the first `failFirst` get 503 (to exercise the agent's retry), later ones 200.
 * GETs serve files from `dir` (boot scripts, kernel, initrd), as the real server would.
 */
const [host = '192.0.2.1', portArg = '8080', failArg = '0', dir] = process.argv.slice(2)
let failLeft = Number(failArg)

function serveFile(url: string, res: import('node:http').ServerResponse): number {
  const rel = normalize(decodeURIComponent(url.split('?')[0])).replace(/^(\.\.(\/|$))+/, '')
  const path = dir ? join(dir, rel) : ''
  try {
    if (!dir || !statSync(path).isFile()) throw new Error('not a file')
  } catch {
    res.writeHead(404).end()
    return 404
  }
  res.writeHead(200, {'content-length': statSync(path).size})
  createReadStream(path).pipe(res)
  return 200
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    let status: number
    if (req.method === 'GET') {
      status = serveFile(req.url ?? '/', res)
    } else {
      status = failLeft-- > 0 ? 503 : 200
      res.writeHead(status, {'content-type': 'application/json'}).end(status === 200 ? '{"ok":true}' : '{"error":"try later"}')
    }
    process.stdout.write(JSON.stringify({method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString(), status}) + '\n')
  })
})
server.listen(Number(portArg), host, () => process.stdout.write('LISTENING\n'))
