import {test, describe, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {existsSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {silentLogger} from '../../src/log.js'
import {tftpGet} from '../../src/protocols/tftp/client.js'
import {startTftpServer, type TftpServer} from '../../src/servers/tftp/server.js'
import {needsCommands, skipUnless, tempDir} from '../support/env.js'

// Real clients on 127.0.0.1 only: curl (RFC 2347/2348/2349 options) and tftp-hpa (plain RFC 1350: it sends no options).
const run = promisify(execFile)
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
const fileSha = (p: string) => sha(readFileSync(p))

/** Runs a client without throwing on a non-zero exit: outcome is in code and output. */
async function client(cmd: string, args: string[]): Promise<{code: number; stderr: string}> {
  try {
    const r = await run(cmd, args, {timeout: 60_000})
    return {code: 0, stderr: r.stdout + r.stderr} // tftp-hpa reports errors on stdout with exit 0
  } catch (err) {
    const e = err as {code?: number; stdout?: string; stderr?: string}
    return {code: typeof e.code === 'number' ? e.code : -1, stderr: (e.stdout ?? '') + (e.stderr ?? '')}
  }
}

describe('TFTP server with real clients', {skip: skipUnless(needsCommands('curl', 'tftp'))}, () => {
  const base = tempDir('bmp-tftp-it-')
  const root = join(base, 'root')
  const out = join(base, 'out')
  let server: TftpServer
  const files = {small: randomBytes(1000), large: randomBytes(5 * 1024 * 1024 + 123), exact: randomBytes(1468 * 20)}

  before(async () => {
    const {mkdirSync} = await import('node:fs')
    mkdirSync(root)
    mkdirSync(out)
    for (const [name, data] of Object.entries(files)) writeFileSync(join(root, name), data)
    writeFileSync(join(base, 'secret'), 'outside the root')
    symlinkSync(join(base, 'secret'), join(root, 'escape'))
    server = await startTftpServer({root, port: 0, bindAddress: '127.0.0.1', log: silentLogger, perClientRate: 1000})
  })
  after(() => server.close())
  const url = (name: string) => `tftp://127.0.0.1:${server.port}/${name}`

  for (const name of ['small', 'large'] as const) {
    test(`tftp-hpa fetches ${name} (octet, no options)`, async () => {
      const dest = join(out, `hpa-${name}`)
      const r = await client('tftp', ['-m', 'binary', '127.0.0.1', String(server.port), '-c', 'get', name, dest])
      assert.equal(r.stderr, '')
      assert.equal(fileSha(dest), sha(files[name]))
    })
    for (const args of [[], ['--tftp-blksize', '1468'], ['--tftp-blksize', '8192'], ['--tftp-blksize', '65464'], ['--tftp-no-options']]) {
      test(`curl fetches ${name} ${args.join(' ') || '(blksize 512 + tsize)'}`, async () => {
        const dest = join(out, `curl-${name}-${args.join('')}`)
        const r = await client('curl', ['-sS', ...args, '-o', dest, url(name)])
        assert.equal(r.code, 0, r.stderr)
        assert.equal(fileSha(dest), sha(files[name]))
      })
    }
  }

  test('a file that is an exact multiple of blksize ends with an empty block', async () => {
    const dest = join(out, 'exact')
    const r = await client('curl', ['-sS', '--tftp-blksize', '1468', '-o', dest, url('exact')])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(fileSha(dest), sha(files.exact))
  })

  test('windowsize 16 (own client; curl and tftp-hpa lack RFC 7440) delivers the exact file', async () => {
    const r = await tftpGet({host: '127.0.0.1', port: server.port, filename: 'large', blksize: 1468, windowsize: 16, tsize: true, collect: false})
    assert.deepEqual(r.oack, {blksize: '1468', tsize: String(files.large.length), windowsize: '16'})
    assert.equal(r.sha256, sha(files.large))
  })

  test('a client that loses the first DATA still completes through server retransmission', async () => {
    let dropped = false
    const r = await tftpGet({host: '127.0.0.1', port: server.port, filename: 'small', timeoutMs: 5000,
      dropData: (b) => b === 1 && !dropped && (dropped = true)})
    assert.ok(dropped)
    assert.equal(r.reacks, 0, 'the client never had to re-ask: the server resent DATA 1 on its own timer')
    assert.equal(r.sha256, sha(files.small))
  })

  test('traversal attempts are refused (tftp-hpa and curl)', async () => {
    const hpa = await client('tftp', ['-m', 'binary', '127.0.0.1', String(server.port), '-c', 'get', '../secret', join(out, 't1')])
    assert.match(hpa.stderr, /Error code 2: access violation/)
    assert.equal(existsSync(join(out, 't1')) && readFileSync(join(out, 't1'), 'utf8').includes('outside'), false)
    const abs = await client('tftp', ['-m', 'binary', '127.0.0.1', String(server.port), '-c', 'get', '/etc/passwd', join(out, 't2')])
    assert.match(abs.stderr, /Error code 1: file not found/, 'a leading / is stripped, so /etc/passwd means <root>/etc/passwd')
    const link = await client('curl', ['-sS', '-o', join(out, 't3'), url('escape')])
    assert.equal(link.code, 69, `curl exit 69 = TFTP access violation; got ${link.code} ${link.stderr}`)
    const dots = await client('curl', ['-sS', '--path-as-is', '-o', join(out, 't4'), url('../secret')])
    assert.equal(dots.code, 69, dots.stderr)
  })

  test('WRQ (tftp put) is refused with ERROR 2', async () => {
    const src = join(out, 'upload')
    writeFileSync(src, 'data')
    const r = await client('tftp', ['-m', 'binary', '127.0.0.1', String(server.port), '-c', 'put', src, 'uploaded'])
    assert.match(r.stderr, /Error code 2: access violation/)
    assert.equal(existsSync(join(root, 'uploaded')), false)
  })

  test('concurrent curl transfers all complete', async () => {
    const runs = await Promise.all(Array.from({length: 8}, (_, i) => client('curl', ['-sS', '--tftp-blksize', '1468', '-o', join(out, `c${i}`), url('large')])))
    for (const [i, r] of runs.entries()) {
      assert.equal(r.code, 0, r.stderr)
      assert.equal(fileSha(join(out, `c${i}`)), sha(files.large))
    }
  })
})
