import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {createBmc} from '../../src/bmc/factory.js'
import type {Executor} from '../../src/bmc/ipmitool.js'
import {BmcError} from '../../src/bmc/types.js'
import type {BmcSpec} from '../../src/inventory/model.js'
import {closeAllIpmiSessions} from '../../src/protocols/ipmi/pool.js'
import {bmcCheck, bootDevice, powerAction} from '../../src/services/bmc.js'
import {FakeMachine} from '../../src/testenv/machine.js'
import {startIpmiVbmc, type IpmiVbmc} from '../../src/testenv/vbmc/ipmi-server.js'
import {execaExecutor} from '../../src/bmc/ipmitool.js'
import {freeUdpPort} from '../support/ports.js'
import {needsCommands} from '../support/env.js'

/** createBmc with driver ipmi (native client, then ipmitool) against our IPMI virtual BMC. */
let machine: FakeMachine
let vbmc: IpmiVbmc

const spec = (password = 'ipmi-secret', username = 'admin'): BmcSpec => ({driver: 'ipmi', address: '127.0.0.1', port: vbmc.port, username, password: {value: password}})

/** Real ipmitool, counting how often the chain fell back to it. */
function countingIpmitool(): {exec: Executor; calls: () => number} {
  let n = 0
  return {exec: (argv, env, opts) => { n++; return execaExecutor(argv, env, opts) }, calls: () => n}
}

describe('driver ipmi against the IPMI vBMC', () => {
  before(async () => {
    machine = new FakeMachine('ipmi-node')
    vbmc = await startIpmiVbmc({
      machine, port: await freeUdpPort(), bindAddress: '127.0.0.1',
      users: [{name: 'admin', password: 'ipmi-secret', privilege: 'administrator'}, {name: 'viewer', password: 'viewer-secret', privilege: 'user'}],
    })
  })
  after(async () => {
    await closeAllIpmiSessions()
    await vbmc?.close()
  })

  test('the native client answers power and boot; ipmitool is not needed', async () => {
    const tool = countingIpmitool()
    const attempts: string[] = []
    const bmc = await createBmc(spec(), {label: 'ipmi-node', ipmitoolExecutor: tool.exec, timeoutMs: 10000, onAttempt: (p, c, ok) => attempts.push(`${p}:${c}:${ok}`)})
    try {
      assert.deepEqual(bmc.providers.map((p) => p.name), ['ipmi', 'ipmitool'])
      await bmc.setBootDevice({device: 'pxe', persistent: false, uefi: true})
      assert.deepEqual(await bmc.bootDevice(), {device: 'pxe', persistent: false, uefi: true})
      await bmc.setPower('on')
      assert.equal(machine.state, 'on')
      assert.deepEqual(machine.lastBoot, {device: 'pxe', persistent: false, uefi: true})
      assert.equal(await bmc.powerState(), 'on')
      assert.equal(bmc.lastAnsweredBy, 'ipmi')
      const info = await bmc.info()
      assert.equal(info.privilege, 'administrator')
      await bmc.setPower('off')
      assert.equal(machine.state, 'off')
      assert.equal(tool.calls(), 0)
      assert.ok(attempts.every((a) => a.startsWith('ipmi:') && a.endsWith(':true')), attempts.join(', '))
    } finally {
      await bmc.close()
    }
  })

  test('service over driver ipmi: power with wait, persistent boot read-back', async () => {
    const target = {name: 'ipmi-node', bmc: spec()}
    const [boot] = await bootDevice([target], {set: {device: 'disk', persistent: true, uefi: false}}, {forks: 1, timeoutMs: 10000})
    assert.equal(boot.ok, true, boot.error)
    assert.equal(boot.warning, undefined)
    assert.deepEqual(boot.setting, {device: 'disk', persistent: true, uefi: false})
    const [on] = await powerAction([target], 'cycle', {forks: 1, wait: true, waitTimeoutMs: 10000, pollIntervalMs: 50, timeoutMs: 10000})
    assert.deepEqual([on.ok, on.state, on.answeredBy], [true, 'on', 'ipmi'], on.error)
    assert.equal(machine.lastBoot?.device, 'disk')
    const check = await bmcCheck(target, {timeoutMs: 10000})
    assert.deepEqual([check.ok, check.powerState, check.privilege], [true, 'on', 'administrator'], check.error)
    await powerAction([target], 'off', {forks: 1, timeoutMs: 10000})
  })

  test('enroll check refuses a user-privilege account', async () => {
    const check = await bmcCheck({name: 'ipmi-node', bmc: spec('viewer-secret', 'viewer')}, {timeoutMs: 15000})
    assert.equal(check.ok, false)
    assert.equal(check.errorKind, 'privilege', check.error)
  })

  test('wrong password: both providers refused, one auth error naming both', {skip: needsCommands('ipmitool')}, async () => {
    const tool = countingIpmitool()
    const bmc = await createBmc(spec('not-it'), {label: 'ipmi-node', ipmitoolExecutor: tool.exec, timeoutMs: 15000})
    try {
      await assert.rejects(bmc.powerState(), (err: unknown) => {
        assert.ok(err instanceof BmcError)
        assert.equal(err.kind, 'auth')
        assert.match(err.message, /ipmi: .*; ipmitool: /)
        assert.ok(!err.message.includes('not-it'))
        return true
      })
      assert.ok(tool.calls() >= 1, 'fell back to ipmitool')
    } finally {
      await bmc.close()
    }
  })
})
