import {beforeEach, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {createBmc} from '../../../src/bmc/factory.js'
import {fakeBmcState, resetFakeBmcs} from '../../../src/bmc/fake.js'
import {bmcCheck, bootDevice, mapLimit, powerAction, type BmcEvent, type BmcFactory, type BmcTarget} from '../../../src/services/bmc.js'

const targets = (n: number): BmcTarget[] =>
  Array.from({length: n}, (_, i) => ({name: `n${i}`, bmc: {driver: 'fake', address: `fake-${i}`, username: 'admin', password: {value: 'pw'}}}))

beforeEach(() => resetFakeBmcs())

describe('powerAction', () => {
  test('never has more than `forks` nodes in flight, and every provider is closed', async () => {
    let inFlight = 0, peak = 0
    const factory: BmcFactory = async (spec, opts) => {
      inFlight++
      peak = Math.max(peak, inFlight)
      const bmc = await createBmc(spec, opts)
      const close = bmc.close.bind(bmc)
      bmc.close = async () => { inFlight--; await close() }
      return bmc
    }
    const ts = targets(9)
    for (const t of ts) fakeBmcState(t.bmc.address).latencyMs = 5
    const results = await powerAction(ts, 'on', {forks: 3, factory})
    assert.equal(peak, 3)
    assert.equal(inFlight, 0)
    assert.deepEqual(results.map((r) => r.node), ts.map((t) => t.name), 'results keep input order')
    assert.ok(results.every((r) => r.ok && r.answeredBy === 'fake'))
    for (const t of ts) {
      assert.equal(fakeBmcState(t.bmc.address).power, 'on')
      assert.equal(fakeBmcState(t.bmc.address).openSessions, 0)
    }
  })

  test('status reads without changing anything', async () => {
    const [t] = targets(1)
    fakeBmcState(t.bmc.address).power = 'on'
    const [r] = await powerAction([t], 'status', {forks: 1})
    assert.equal(r.state, 'on')
    assert.deepEqual(fakeBmcState(t.bmc.address).calls, ['powerState'])
  })

  test('wait polls until the state the action leads to (soft → off)', async () => {
    const [t] = targets(1)
    const s = fakeBmcState(t.bmc.address)
    s.power = 'on'
    s.settleReads = 2
    const polls: string[] = []
    const [r] = await powerAction([t], 'soft', {forks: 1, wait: true, waitTimeoutMs: 5000, pollIntervalMs: 5, onEvent: (e) => { if (e.type === 'poll') polls.push(e.state) }})
    assert.equal(r.ok, true)
    assert.equal(r.state, 'off')
    assert.deepEqual(polls, ['on', 'on', 'off'])
  })

  test('cycle waits for on', async () => {
    const [t] = targets(1)
    fakeBmcState(t.bmc.address).power = 'on'
    const [r] = await powerAction([t], 'cycle', {forks: 1, wait: true, pollIntervalMs: 5})
    assert.equal(r.state, 'on')
    assert.ok(fakeBmcState(t.bmc.address).calls.includes('setPower:cycle'))
  })

  test('wait times out with a timeout error when the state never comes', async () => {
    const [t] = targets(1)
    const s = fakeBmcState(t.bmc.address)
    s.settleReads = 1000
    const [r] = await powerAction([t], 'on', {forks: 1, wait: true, waitTimeoutMs: 40, pollIntervalMs: 10})
    assert.equal(r.ok, false)
    assert.equal(r.errorKind, 'timeout')
    assert.match(r.error!, /did not become on .*still off/)
  })

  test('one failing node does not stop the others; events name node and provider', async () => {
    const ts = targets(3)
    fakeBmcState('fake-1').failures.push({feature: 'power-set', kind: 'busy', times: 1})
    const events: BmcEvent[] = []
    const results = await powerAction(ts, 'off', {forks: 2, onEvent: (e) => events.push(e)})
    assert.deepEqual(results.map((r) => r.ok), [true, false, true])
    assert.equal(results[1].errorKind, 'busy')
    assert.ok(events.some((e) => e.type === 'attempt' && e.node === 'n1' && e.provider === 'fake' && !e.ok))
    assert.equal(events.filter((e) => e.type === 'done').length, 3)
    assert.equal(fakeBmcState('fake-1').openSessions, 0)
  })

  test('a node whose credentials cannot be resolved fails alone', async () => {
    const ts = targets(2)
    ts[0].bmc.password = {env: 'BMPCTL_TEST_UNSET_PW'}
    const results = await powerAction(ts, 'on', {forks: 2})
    assert.equal(results[0].ok, false)
    assert.match(results[0].error!, /BMPCTL_TEST_UNSET_PW/)
    assert.equal(results[1].ok, true)
  })
})

describe('bootDevice', () => {
  test('set reads back and warns when the BMC drops the UEFI bit', async () => {
    const [a, b] = targets(2)
    fakeBmcState(b.bmc.address).quirks.dropUefi = true
    const [ra, rb] = await bootDevice([a, b], {set: {device: 'pxe', persistent: false, uefi: true}}, {forks: 2})
    assert.deepEqual(ra.setting, {device: 'pxe', persistent: false, uefi: true})
    assert.equal(ra.warning, undefined)
    assert.equal(rb.ok, true)
    assert.deepEqual(rb.setting, {device: 'pxe', persistent: false, uefi: false})
    assert.match(rb.warning!, /uefi differ/)
  })

  test('an ignored override is reported as a device mismatch', async () => {
    const [t] = targets(1)
    fakeBmcState(t.bmc.address).quirks.ignoreBoot = true
    const [r] = await bootDevice([t], {set: {device: 'disk', persistent: true, uefi: false}}, {forks: 1})
    assert.match(r.warning!, /device, persistent differ/)
  })

  test('get returns the current setting', async () => {
    const [t] = targets(1)
    fakeBmcState(t.bmc.address).boot = {device: 'cdrom', persistent: true, uefi: false}
    const [r] = await bootDevice([t], 'get', {forks: 1})
    assert.deepEqual(r.setting, {device: 'cdrom', persistent: true, uefi: false})
  })
})

describe('bmcCheck', () => {
  test('ok with power state, privilege and who answered', async () => {
    const [t] = targets(1)
    const r = await bmcCheck(t)
    assert.equal(r.ok, true)
    assert.equal(r.powerState, 'off')
    assert.equal(r.privilege, 'administrator')
    assert.equal(r.answeredBy, 'fake')
  })

  test('refused credentials → auth error, nothing left open', async () => {
    const [t] = targets(1)
    fakeBmcState(t.bmc.address).credentials = {username: 'admin', password: 'other'}
    const r = await bmcCheck(t)
    assert.equal(r.ok, false)
    assert.equal(r.errorKind, 'auth')
    assert.ok(!r.error!.includes('pw'), 'no password in the error')
  })
})

test('mapLimit keeps order and handles fewer items than the limit', async () => {
  assert.deepEqual(await mapLimit([3, 1, 2], 10, async (x) => x * 2), [6, 2, 4])
  assert.deepEqual(await mapLimit([], 4, async (x) => x), [])
})
