import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {promisify} from 'node:util'
import {FakeMachine} from '../../src/testenv/machine.js'
import {startRedfishVbmc, type RedfishVbmc} from '../../src/testenv/vbmc/redfish-server.js'
import {needsCommands} from '../support/env.js'

/** DMTF's redfishtool (a client we did not write) driving our Redfish virtual BMC. */
const run = promisify(execFile)
const USER = 'admin', PASS = 'rft-secret'
let machine: FakeMachine
let vbmc: RedfishVbmc

async function rft(args: string[], password = PASS): Promise<{code: number; stdout: string; stderr: string}> {
  // -S Never: plain HTTP, which the lab vBMC speaks (loopback only).
  const argv = ['-r', `127.0.0.1:${vbmc.port}`, '-u', USER, '-p', password, '-S', 'Never', ...args]
  try {
    const {stdout, stderr} = await run('redfishtool', argv, {timeout: 30000})
    return {code: 0, stdout, stderr}
  } catch (err) {
    const e = err as {code?: number; stdout?: string; stderr?: string}
    return {code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? ''}
  }
}

describe('redfishtool against the Redfish vBMC', {skip: needsCommands('redfishtool')}, () => {
  before(async () => {
    machine = new FakeMachine('rft-node')
    vbmc = await startRedfishVbmc({machine, port: 0, username: USER, password: PASS})
  })
  after(async () => { await vbmc?.close() })

  test('Systems list shows the one system', async () => {
    const r = await rft(['Systems', 'list'])
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.equal(doc['Members@odata.count'], 1)
    assert.equal(doc.Members[0].Id, 'system-1')
    assert.equal(doc.Members[0]['@odata.id'], '/redfish/v1/Systems/system-1')
    assert.equal(doc.Members[0].AssetTag, 'rft-node')
  })

  test('setBootOverride Once Pxe, then reset On boots PXE once', async () => {
    const set = await rft(['Systems', 'setBootOverride', 'Once', 'Pxe'])
    assert.equal(set.code, 0, set.stderr)
    assert.equal(JSON.parse(set.stdout).Boot.BootSourceOverrideTarget, 'Pxe')
    const on = await rft(['Systems', 'reset', 'On'])
    assert.equal(on.code, 0, on.stderr)
    assert.equal(machine.state, 'on')
    assert.equal(machine.lastBoot?.device, 'pxe')
    const boot = JSON.parse((await rft(['Systems', '-F', 'get', '-P', 'Boot'])).stdout).Boot
    assert.equal(boot.BootSourceOverrideEnabled, 'Disabled', 'the one-time override is used up')
  })

  test('Continuous Hdd, ForceRestart and ForceOff', async () => {
    assert.equal((await rft(['Systems', 'setBootOverride', 'Continuous', 'Hdd'])).code, 0)
    assert.equal((await rft(['Systems', 'reset', 'ForceRestart'])).code, 0)
    assert.equal(machine.history.at(-1), 'reset:disk')
    assert.equal((await rft(['Systems', 'reset', 'ForceOff'])).code, 0)
    assert.equal(machine.state, 'off')
    const sys = JSON.parse((await rft(['Systems', '-F', 'get'])).stdout)
    assert.equal(sys.PowerState, 'Off')
    assert.equal(sys.Boot.BootSourceOverrideEnabled, 'Continuous')
  })

  test('session auth (-A Session) works and logs out', async () => {
    const opened = vbmc.sessionsOpened()
    const r = await rft(['-A', 'Session', 'Systems', '-F', 'get', '-P', 'PowerState'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(vbmc.sessionsOpened(), opened + 1)
    assert.equal(JSON.parse(r.stdout).PowerState, 'Off')
    assert.equal(vbmc.activeSessions(), 0)
  })

  test('wrong password is refused with 401', async () => {
    const r = await rft(['Systems', 'list'], 'wrong')
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /401/)
  })
})
