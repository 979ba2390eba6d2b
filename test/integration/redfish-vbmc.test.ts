import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {createServer as createHttpsServer} from 'node:https'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import {request} from 'undici'
import {RedfishProvider} from '../../src/bmc/redfish.js'
import {createBmc} from '../../src/bmc/factory.js'
import {BmcError} from '../../src/bmc/types.js'
import {FakeMachine} from '../../src/testenv/machine.js'
import {startRedfishVbmc, type RedfishVbmc} from '../../src/testenv/vbmc/redfish-server.js'
import {bootDevice, powerAction} from '../../src/services/bmc.js'
import {needsCommands, tempDir} from '../support/env.js'

/** RedfishProvider against our Redfish virtual BMC over loopback HTTP. */
const USER = 'admin', PASS = 'vbmc-secret'
let machine: FakeMachine
let vbmc: RedfishVbmc
const provider = (password = PASS, systemId?: string) =>
  new RedfishProvider({address: '127.0.0.1', port: vbmc.port, scheme: 'http', username: USER, password, systemId})

async function sessionsListed(): Promise<number> {
  const auth = 'Basic ' + Buffer.from(`${USER}:${PASS}`).toString('base64')
  const res = await request(`http://127.0.0.1:${vbmc.port}/redfish/v1/SessionService/Sessions`, {headers: {authorization: auth}})
  return ((await res.body.json()) as {Members: unknown[]}).Members.length
}

describe('RedfishProvider against the Redfish vBMC', () => {
  before(async () => {
    machine = new FakeMachine('rf-node')
    vbmc = await startRedfishVbmc({machine, port: 0, username: USER, password: PASS, systemId: 'sys-7'})
  })
  after(async () => { await vbmc?.close() })

  test('power on/off/soft/cycle/reset drive the machine, system id discovered', async () => {
    const bmc = provider()
    try {
      assert.equal(await bmc.powerState(), 'off')
      await bmc.setPower('on')
      assert.equal(machine.state, 'on')
      assert.equal(await bmc.powerState(), 'on')
      await bmc.setPower('cycle')
      await bmc.setPower('reset')
      await bmc.setPower('soft')
      assert.equal(await bmc.powerState(), 'off')
      await bmc.setPower('reset') // off: reset powers on instead of failing
      await bmc.setPower('off')
      assert.deepEqual(machine.history, ['on:none', 'off:hard', 'on:none', 'reset:none', 'off:soft', 'on:none', 'off:hard'])
      assert.equal(bmc.authMode, 'session')
    } finally {
      await bmc.close()
    }
  })

  test('one-time PXE override in UEFI mode is used by the next boot and then cleared', async () => {
    const bmc = provider(PASS, 'sys-7')
    try {
      await bmc.setBootDevice({device: 'pxe', persistent: false, uefi: true})
      assert.deepEqual(await bmc.bootDevice(), {device: 'pxe', persistent: false, uefi: true})
      await bmc.setPower('on')
      assert.deepEqual(machine.lastBoot, {device: 'pxe', persistent: false, uefi: true})
      assert.equal((await bmc.bootDevice()).device, 'none', 'once means once')
      await bmc.setPower('off')
    } finally {
      await bmc.close()
    }
  })

  test('continuous legacy disk override survives boots', async () => {
    const bmc = provider()
    try {
      await bmc.setBootDevice({device: 'disk', persistent: true, uefi: false})
      await bmc.setPower('on')
      await bmc.setPower('cycle')
      assert.deepEqual(machine.lastBoot, {device: 'disk', persistent: true, uefi: false})
      assert.deepEqual(await bmc.bootDevice(), {device: 'disk', persistent: true, uefi: false})
      await bmc.setBootDevice({device: 'none', persistent: false, uefi: false})
      assert.equal((await bmc.bootDevice()).device, 'none')
      await bmc.setPower('off')
    } finally {
      await bmc.close()
    }
  })

  test('info reports Redfish version, manager vendor and firmware', async () => {
    const bmc = provider()
    try {
      const info = await bmc.info()
      assert.equal(info.protocol, 'Redfish 1.11.0')
      assert.equal(info.manufacturer, 'bmpctl')
      assert.equal(info.product, 'vbmc-redfish')
      assert.equal(info.firmware, '1.0.0')
      assert.equal(info.systemId, 'sys-7')
    } finally {
      await bmc.close()
    }
  })

  test('the session is deleted on close', async () => {
    const before = await sessionsListed()
    const bmc = provider()
    const opened = vbmc.sessionsOpened()
    await bmc.powerState()
    assert.equal(vbmc.sessionsOpened(), opened + 1)
    assert.equal(await sessionsListed(), before + 1)
    await bmc.close()
    await bmc.close() // twice is harmless
    assert.equal(await sessionsListed(), before)
    assert.equal(vbmc.activeSessions(), before)
  })

  test('wrong password → auth error without the password in it', async () => {
    const bmc = provider('not-the-password')
    try {
      await assert.rejects(bmc.powerState(), (err: unknown) => {
        assert.ok(err instanceof BmcError)
        assert.equal(err.kind, 'auth')
        assert.match(err.message, /HTTP 401/)
        assert.ok(!err.message.includes('not-the-password'))
        return true
      })
    } finally {
      await bmc.close()
    }
  })

  test('nothing listening → protocol error naming the address problem', async () => {
    const bmc = new RedfishProvider({address: '127.0.0.1', port: 1, scheme: 'http', username: USER, password: PASS, timeoutMs: 2000})
    await assert.rejects(bmc.powerState(), (err: unknown) => err instanceof BmcError && err.kind === 'protocol' && /ECONNREFUSED/.test(err.message))
    await bmc.close()
  })

  test('TLS is verified by default; verifyTls false accepts a self-signed BMC', {skip: needsCommands('openssl')}, async () => {
    const dir = tempDir()
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], {stdio: 'ignore'})
    // A minimal self-signed HTTPS BMC: one system, powered on, basic auth accepted.
    const server = createHttpsServer({key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem'))}, (req, res) => {
      const docs: Record<string, object> = {
        '/redfish/v1/Systems': {Members: [{'@odata.id': '/redfish/v1/Systems/1'}]},
        '/redfish/v1/Systems/1': {Id: '1', PowerState: 'On'},
      }
      const doc = docs[req.url ?? '']
      res.writeHead(doc ? 200 : 404, {'content-type': 'application/json'}).end(JSON.stringify(doc ?? {}))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const port = (server.address() as AddressInfo).port
    try {
      const strict = new RedfishProvider({address: '127.0.0.1', port, username: USER, password: PASS, timeoutMs: 3000})
      await assert.rejects(strict.powerState(), (err: unknown) => err instanceof BmcError && /self.signed|certificate/i.test(err.message))
      await strict.close()
      const lax = new RedfishProvider({address: '127.0.0.1', port, username: USER, password: PASS, verifyTls: false, timeoutMs: 3000})
      assert.equal(await lax.powerState(), 'on')
      assert.equal(lax.authMode, 'basic', 'no session service (404) → basic auth')
      await lax.close()
    } finally {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    }
  })

  test('service layer over createBmc: power with wait and boot read-back', async () => {
    const target = {name: 'rf-node', bmc: {driver: 'redfish' as const, address: '127.0.0.1', port: vbmc.port, scheme: 'http' as const, username: USER, password: {value: PASS}}}
    const [boot] = await bootDevice([target], {set: {device: 'pxe', persistent: false, uefi: false}}, {forks: 1})
    assert.equal(boot.ok, true, boot.error)
    assert.equal(boot.warning, undefined)
    assert.equal(boot.answeredBy, 'redfish')
    const [on] = await powerAction([target], 'on', {forks: 1, wait: true, waitTimeoutMs: 5000, pollIntervalMs: 50})
    assert.deepEqual([on.ok, on.state, on.answeredBy], [true, 'on', 'redfish'])
    assert.equal(machine.lastBoot?.device, 'pxe')
    const [off] = await powerAction([target], 'off', {forks: 1})
    assert.equal(off.ok, true)
    assert.equal(machine.state, 'off')
    assert.equal(vbmc.activeSessions(), 0, 'the service closed its sessions')
    const bmc = await createBmc(target.bmc, {label: 'rf-node'})
    assert.equal(await bmc.powerState(), 'off')
    await bmc.close()
  })
})
