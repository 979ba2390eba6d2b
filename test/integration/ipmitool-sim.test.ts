import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {IpmitoolProvider} from '../../src/bmc/ipmitool.js'
import {BmcError} from '../../src/bmc/types.js'
import {bmcCheck, bootDevice, powerAction, type BmcTarget} from '../../src/services/bmc.js'
import {freeUdpPort} from '../support/ports.js'
import {needsCommands, skipUnless, tempDir} from '../support/env.js'
import {startIpmiSim, type IpmiSim} from '../support/ipmi-sim.js'

/** IpmitoolProvider driving a real ipmi_sim (OpenIPMI) with a chassis_control hook. */
const USER = 'admin', PASS = 'sim-password'
let sim: IpmiSim

// ipmi_sim cannot list cipher suites: pin -C 3 or every call stalls ~10 s.
const provider = (password = PASS) => new IpmitoolProvider({address: '127.0.0.1', port: sim.port, username: USER, password, cipherSuite: 3, timeoutMs: 20000})
const target = (): BmcTarget => ({name: 'sim-node', bmc: {driver: 'ipmitool', address: '127.0.0.1', port: sim.port, username: USER, password: {value: PASS}, cipherSuite: 3}})

describe('ipmitool against ipmi_sim', {skip: skipUnless(needsCommands('ipmi_sim', 'ipmitool'))}, () => {
  before(async () => { sim = await startIpmiSim(tempDir('bmpctl-ipmisim-'), await freeUdpPort(), USER, PASS) })
  after(async () => { await sim?.close() })

  test('power status/on/off/cycle reach the chassis hook', async () => {
    const bmc = provider()
    assert.equal(await bmc.powerState(), 'off')
    await bmc.setPower('on')
    assert.equal(sim.power(), '1')
    assert.equal(await bmc.powerState(), 'on')
    await bmc.setPower('off')
    assert.equal(sim.power(), '0')
    assert.equal(await bmc.powerState(), 'off')
    await bmc.setPower('cycle') // off → cycle powers on
    assert.equal(sim.power(), '1')
    await bmc.setPower('reset')
    assert.equal(await bmc.powerState(), 'on')
    await bmc.setPower('off')
  })

  test('boot device goes out as raw bytes; ipmi_sim keeps the device but drops the flags', async () => {
    const bmc = provider()
    await bmc.setBootDevice({device: 'pxe', persistent: false, uefi: true})
    assert.equal(sim.boot(), 'pxe')
    // ipmi_sim answers parameter 5 with data1 = 0 (no valid bit): the override reads as inactive.
    assert.deepEqual(await bmc.bootDevice(), {device: 'none', persistent: false, uefi: false})
    const [r] = await bootDevice([target()], {set: {device: 'pxe', persistent: true, uefi: false}}, {forks: 1})
    assert.equal(r.ok, true, r.error)
    assert.equal(r.answeredBy, 'ipmitool')
    assert.match(r.warning!, /BMC did not keep the boot device \(device, persistent differ\)/)
  })

  test('info parses mc info and the session privilege', async () => {
    const info = await provider().info()
    assert.equal(info.protocol, 'IPMI 2.0')
    assert.equal(info.firmware, '9.08')
    assert.match(String(info.manufacturer), /MontaVista/)
    assert.equal(info.privilege, 'administrator')
  })

  test('wrong password → auth error naming the RAKP failure, no password anywhere', async () => {
    await assert.rejects(provider('wrong-password').powerState(), (err: unknown) => {
      assert.ok(err instanceof BmcError)
      assert.equal(err.kind, 'auth')
      assert.match(err.message, /RAKP 2 HMAC is invalid/)
      assert.ok(!err.message.includes('wrong-password') && !err.message.includes(PASS))
      return true
    })
  })

  test('service: power with wait, and enroll-style check', async () => {
    const [on] = await powerAction([target()], 'on', {forks: 1, wait: true, waitTimeoutMs: 20000, pollIntervalMs: 100})
    assert.deepEqual([on.ok, on.state, on.answeredBy], [true, 'on', 'ipmitool'], on.error)
    const check = await bmcCheck(target())
    assert.equal(check.ok, true, check.error)
    assert.equal(check.powerState, 'on')
    assert.equal(check.privilege, 'administrator')
    const bad = await bmcCheck({...target(), bmc: {...target().bmc, password: {value: 'nope'}}})
    assert.deepEqual([bad.ok, bad.errorKind], [false, 'auth'])
    const [off] = await powerAction([target()], 'off', {forks: 1})
    assert.equal(off.ok, true)
    assert.equal(sim.power(), '0')
  })
})
