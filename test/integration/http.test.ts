import {test, describe, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync} from 'node:fs'
import {get} from 'node:http'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {createLogger} from '../../src/log.js'
import {startHttpServer, type CallbackRequest, type HttpServer} from '../../src/servers/http/server.js'
import {needsCommands, skipUnless, tempDir} from '../support/env.js'

const run = promisify(execFile)
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

/** curl on 127.0.0.1; returns status, headers and the body file's bytes. */
async function curl(args: string[], bodyFile: string): Promise<{status: number; headers: string; body: Buffer}> {
  const {stdout} = await run('curl', ['-sS', '-o', bodyFile, '-D', '-', '-w', '\n%{http_code}', ...args], {timeout: 60_000, maxBuffer: 1 << 20})
  const lines = stdout.trimEnd().split('\n')
  let body = Buffer.alloc(0)
  try { body = readFileSync(bodyFile) } catch { /* no body */ }
  return {status: Number(lines.pop()), headers: lines.join('\n'), body}
}

describe('HTTP server with curl', {skip: skipUnless(needsCommands('curl'))}, () => {
  const base = tempDir('bmp-http-it-')
  const root = join(base, 'root')
  const out = join(base, 'out')
  const image = randomBytes(3 * 1024 * 1024 + 7)
  const callbacks: CallbackRequest[] = []
  const events: string[] = []
  const logLines: string[] = []
  let server: HttpServer
  let n = 0
  const dest = () => join(out, `b${n++}`)

  before(async () => {
    mkdirSync(root)
    mkdirSync(out)
    writeFileSync(join(root, 'image.raw'), image)
    writeFileSync(join(root, 'big.raw'), '')
    truncateSync(join(root, 'big.raw'), 256 * 1024 * 1024) // sparse: larger than socket buffers can hide
    writeFileSync(join(base, 'secret'), 'outside')
    symlinkSync(join(base, 'secret'), join(root, 'escape'))
    server = await startHttpServer({
      root, port: 0, bindAddress: '127.0.0.1', log: createLogger({format: 'json', write: (l) => logLines.push(l)}),
      backend: {
        bootScript: (mac) => (mac === '52:54:00:aa:bb:cc' ? `#!ipxe\necho ${mac}\n` : undefined),
        callback: async (req) => { callbacks.push(req); return req.token === 'tok-1' ? {status: 200, body: {ok: true}} : {status: 401, body: {error: 'bad token'}} },
        event: (node, kind, message) => events.push(`${node} ${kind} ${message}`),
      },
    })
  })
  after(() => server.close())
  const url = (p: string) => `http://127.0.0.1:${server.port}${p}`

  test('GET streams the whole file; HEAD gives the headers only', async () => {
    const g = await curl([url('/image.raw')], dest())
    assert.equal(g.status, 200)
    assert.equal(sha(g.body), sha(image))
    const h = await curl(['-I', url('/image.raw')], dest())
    assert.equal(h.status, 200)
    assert.match(h.headers, new RegExp(`content-length: ${image.length}`, 'i'))
    assert.match(h.headers, /etag: "/i)
    assert.ok(events.includes('127.0.0.1 http.fetch GET /image.raw'))
  })

  test('Range: first 100, last 100, beyond the end → 416', async () => {
    const a = await curl(['-r', '0-99', url('/image.raw')], dest())
    assert.equal(a.status, 206)
    assert.deepEqual(a.body, image.subarray(0, 100))
    assert.match(a.headers, new RegExp(`content-range: bytes 0-99/${image.length}`, 'i'))
    const b = await curl(['-H', 'Range: bytes=-100', url('/image.raw')], dest())
    assert.equal(b.status, 206)
    assert.deepEqual(b.body, image.subarray(image.length - 100))
    const c = await curl(['-H', `Range: bytes=${image.length}-`, url('/image.raw')], dest())
    assert.equal(c.status, 416)
    assert.match(c.headers, new RegExp(`content-range: bytes \\*/${image.length}`, 'i'))
  })

  test('a range spanning several read chunks comes back exact', async () => {
    const [from, to] = [1000, 2_500_000]
    const r = await curl(['-H', `Range: bytes=${from}-${to}`, url('/image.raw')], dest())
    assert.equal(r.status, 206)
    assert.equal(sha(r.body), sha(image.subarray(from, to + 1)))
  })

  test('a client that hangs up mid-download ends the request; the server keeps serving', async () => {
    await new Promise<void>((resolve, reject) => {
      get(url('/big.raw'), (res) => {
        res.once('data', () => { res.destroy(); resolve() })
      }).on('error', reject)
    })
    const logged = () => logLines.some((l) => l.includes('"path":"/big.raw"'))
    for (let i = 0; i < 100 && !logged(); i++) await new Promise((r) => setTimeout(r, 50))
    assert.ok(logged(), 'the aborted request was finished and logged')
    assert.ok(!logLines.some((l) => l.includes('http handler failed')))
    const g = await curl([url('/image.raw')], dest())
    assert.equal(sha(g.body), sha(image))
  })

  test('validators: If-None-Match → 304', async () => {
    const h = await curl(['-I', url('/image.raw')], dest())
    const etag = /etag: (".*?")/i.exec(h.headers)![1]
    const r = await curl(['-H', `If-None-Match: ${etag}`, url('/image.raw')], dest())
    assert.equal(r.status, 304)
    assert.equal(r.body.length, 0)
  })

  test('containment: /../, %2e%2e/ and a symlink out are refused; refusals are logged', async () => {
    for (const p of ['/../secret', '/%2e%2e/secret', '/%2E%2E%2fsecret', '/escape']) {
      const r = await curl(['--path-as-is', url(p)], dest())
      assert.ok(r.status === 403 || r.status === 404, `${p} → ${r.status}`)
      assert.ok(!r.body.toString().includes('outside'), `${p} leaked the file`)
    }
    assert.ok(logLines.some((l) => l.includes('"http request refused"') && l.includes('/escape')))
  })

  test('healthz', async () => {
    const r = await curl([url('/healthz')], dest())
    assert.equal(r.status, 200)
    const body = JSON.parse(r.body.toString())
    assert.equal(body.status, 'ok')
    assert.equal(typeof body.uptime, 'number')
  })

  test('boot scripts by MAC in colon or dash form; unknown MAC → 404', async () => {
    for (const mac of ['52:54:00:aa:bb:cc', '52-54-00-AA-BB-CC']) {
      const r = await curl([url(`/boot/${mac}.ipxe`)], dest())
      assert.equal(r.status, 200)
      assert.equal(r.body.toString(), '#!ipxe\necho 52:54:00:aa:bb:cc\n')
    }
    assert.equal((await curl([url('/boot/52:54:00:00:00:09.ipxe')], dest())).status, 404)
    assert.equal((await curl([url('/boot/not-a-mac.ipxe')], dest())).status, 400)
  })

  test('callback: bearer token and JSON body reach the backend; bad JSON 400; > 1 MiB 413', async () => {
    const ok = await curl(['-H', 'Authorization: Bearer tok-1', '-H', 'Content-Type: application/json', '-d', '{"ip":"192.0.2.10"}', url('/v1/callback')], dest())
    assert.equal(ok.status, 200)
    assert.deepEqual(JSON.parse(ok.body.toString()), {ok: true})
    assert.deepEqual(callbacks.at(-1), {token: 'tok-1', body: {ip: '192.0.2.10'}, remoteAddress: '127.0.0.1'})
    const denied = await curl(['-d', '{}', url('/v1/callback')], dest())
    assert.equal(denied.status, 401)
    const bad = await curl(['-d', '{"ip":', url('/v1/callback')], dest())
    assert.equal(bad.status, 400)
    const bigFile = join(out, 'big.json')
    writeFileSync(bigFile, JSON.stringify({pad: 'x'.repeat(1024 * 1024)}))
    const big = await curl(['--data-binary', `@${bigFile}`, url('/v1/callback')], dest())
    assert.equal(big.status, 413)
    const justUnder = join(out, 'ok.json')
    writeFileSync(justUnder, JSON.stringify({pad: 'x'.repeat(1024 * 1024 - 20)}))
    assert.equal((await curl(['-H', 'Authorization: Bearer tok-1', '--data-binary', `@${justUnder}`, url('/v1/callback')], dest())).status, 200)
    assert.ok(!logLines.some((l) => l.includes('tok-1')), 'tokens never reach the log')
  })

  test('added routes work; errors do not leak stack traces', async () => {
    server.addRoute('GET', '/v1/nodes/:name', ({res, params}) => { res.end(`node ${params.name}`) })
    server.addRoute('GET', '/v1/boom', () => { throw new Error('secret internals') })
    assert.equal((await curl([url('/v1/nodes/n1')], dest())).body.toString(), 'node n1')
    const boom = await curl([url('/v1/boom')], dest())
    assert.equal(boom.status, 500)
    assert.doesNotMatch(boom.body.toString(), /secret internals|at /)
  })
})
