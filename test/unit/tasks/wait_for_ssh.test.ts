import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {createServer} from 'node:net'
import waitForSsh from '../../../src/tasks/wait_for_ssh.js'
import {needsCommands, needsRoot, skipUnless} from '../../support/env.js'
import {freeTcpPort} from '../../support/ports.js'
import {startTestSshd, type TestSshd} from '../../support/sshd.js'
import {ctxFor, liveosFacts, node, storeWith} from './deploy-fixtures.js'

describe('wait_for_ssh task', () => {
  test('a port where nothing listens times out naming host, port and the last error', async () => {
    const port = await freeTcpPort()
    const r = await waitForSsh.run(ctxFor({host: '127.0.0.1', port, timeout: 0.2}, {}))
    assert.equal(r.failed, true)
    assert.match(String(r.msg), new RegExp(`no SSH on 127\\.0\\.0\\.1:${port} within 0s \\(last: .*ECONNREFUSED`))
  })

  test('a server that talks something else is not SSH', async () => {
    const srv = createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'))
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
    try {
      const r = await waitForSsh.run(ctxFor({host: '127.0.0.1', port: (srv.address() as {port: number}).port, timeout: 0.2}, {}))
      assert.equal(r.failed, true)
      assert.match(String(r.msg), /closed before a banner/)
    } finally { srv.close() }
  })

  test('default host: the node\'s static address, else the LiveOS address', async () => {
    const {store} = storeWith()
    const r = await waitForSsh.run(ctxFor({port: 22, timeout: 1}, {store}, {check: true}))
    assert.equal(r.host, '192.0.2.10')
    const other = storeWith(node('n1', {network: {}}))
    other.store.setFacts('n1', {liveos: liveosFacts({ip: '192.0.2.77'})})
    assert.equal((await waitForSsh.run(ctxFor({port: 22, timeout: 1}, {store: other.store}, {check: true}))).host, '192.0.2.77')
  })
})

describe('wait_for_ssh against dropbear', {skip: skipUnless(needsRoot(), needsCommands('dropbear', 'dropbearkey', 'ssh-keygen', 'unshare'))}, () => {
  let sshd: TestSshd
  before(async () => { sshd = await startTestSshd() })
  after(() => sshd?.stop())

  test('reads the banner and records an event', async () => {
    const {store} = storeWith()
    const r = await waitForSsh.run(ctxFor({host: '127.0.0.1', port: sshd.port, timeout: 10}, {store}))
    assert.equal(r.failed, undefined, String(r.msg))
    assert.match(String(r.banner), /^SSH-2\.0-dropbear/)
    assert.equal(store.events('n1', {kinds: ['deploy.wait_for_ssh']}).length, 1)
  })
})
