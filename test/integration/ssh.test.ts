import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {Readable} from 'node:stream'
import {HostKeyMismatchError, SshSession, fingerprint} from '../../src/deploy/ssh.js'
import {needsCommands, needsRoot, skipUnless, tempDir} from '../support/env.js'
import {makeHostKey, startTestSshd, type TestSshd} from '../support/sshd.js'

describe('SshSession against dropbear', {skip: skipUnless(needsRoot(), needsCommands('dropbear', 'dropbearkey', 'ssh-keygen', 'unshare'))}, () => {
  let sshd: TestSshd
  before(async () => { sshd = await startTestSshd() })
  after(() => sshd?.stop())

  const target = () => ({host: '127.0.0.1', port: sshd.port, privateKey: sshd.clientKey, hostKey: sshd.hostKeyLine})

  test('runs a command with the pinned host key', async () => {
    const s = await SshSession.connect(target())
    try {
      const r = await s.exec('echo hello; echo oops >&2; exit 3')
      assert.deepEqual(r, {code: 3, stdout: 'hello\n', stderr: 'oops\n'})
    } finally { s.close() }
  })

  test('streams stdin with backpressure and reports failures with stderr', async () => {
    const s = await SshSession.connect(target())
    try {
      const chunks = Array.from({length: 64}, (_, i) => Buffer.alloc(64 * 1024, i))
      const out = await s.run('wc -c', 'count', {stdin: Readable.from(chunks)})
      assert.equal(out.trim(), String(64 * 64 * 1024))
      await assert.rejects(s.run('echo nope >&2; false', 'the step'), /the step failed on 127\.0\.0\.1 \(exit 1\): nope/)
    } finally { s.close() }
  })

  test('refuses a host whose key differs from the one reported', async () => {
    const other = makeHostKey(tempDir(), 'other')
    await assert.rejects(SshSession.connect({...target(), hostKey: other.line}), (err: unknown) => {
      assert.ok(err instanceof HostKeyMismatchError)
      assert.ok(err.message.includes(fingerprint(sshd.hostKeyLine)), 'names the key actually presented')
      assert.ok(err.message.includes(fingerprint(other.line)), 'names the expected key')
      return true
    })
  })
})

test('fingerprint matches ssh-keygen -l', {skip: needsCommands('ssh-keygen', 'dropbearkey')}, async () => {
  const {execFileSync} = await import('node:child_process')
  const {writeFileSync} = await import('node:fs')
  const dir = tempDir()
  const hk = makeHostKey(dir)
  writeFileSync(`${dir}/k.pub`, hk.line + '\n')
  const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${dir}/k.pub`], {encoding: 'utf8'})
  assert.equal(out.split(' ')[1], fingerprint(hk.line))
})
