import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import power, {type PowerParams} from '../../../src/tasks/power.js'
import {fakeHost, taskCtx, writes} from './bmc-fixtures.js'

const p = (state: PowerParams['state'], wait = false, timeout = 5): PowerParams => ({state, wait, timeout})

describe('power task', () => {
  test('declares params, choices and check mode', () => {
    assert.equal(power.name, 'power')
    assert.equal(power.supportsCheckMode, true)
    assert.deepEqual(power.params.state.choices, ['on', 'off', 'soft', 'cycle', 'reset', 'status'])
    assert.equal(power.params.timeout.type, 'duration')
  })

  test('check → apply → apply again (on)', async () => {
    const {state, services} = fakeHost()
    const checked = await power.run(taskCtx(p('on'), services, true))
    assert.equal(checked.changed, true)
    assert.match(String(checked.msg), /would on \(power is off\)/)
    assert.equal(state.power, 'off', 'check mode changes nothing')
    assert.deepEqual(writes(state), [])

    const applied = await power.run(taskCtx(p('on', true), services))
    assert.equal(applied.changed, true)
    assert.equal(applied.power_state, 'on')
    assert.equal(applied.answered_by, 'fake')
    assert.equal(state.power, 'on')

    const again = await power.run(taskCtx(p('on'), services))
    assert.equal(again.changed, false)
    assert.deepEqual(writes(state), ['setPower:on'], 'nothing sent the second time')
  })

  test('soft off when already off is unchanged; status never changes', async () => {
    const {state, services} = fakeHost()
    assert.equal((await power.run(taskCtx(p('soft'), services))).changed, false)
    const st = await power.run(taskCtx(p('status'), services))
    assert.deepEqual([st.changed, st.power_state], [false, 'off'])
    assert.deepEqual(writes(state), [])
  })

  test('cycle and reset always change, even when on', async () => {
    const {state, services} = fakeHost()
    state.power = 'on'
    assert.equal((await power.run(taskCtx(p('cycle'), services, true))).changed, true)
    assert.deepEqual(writes(state), [], 'check mode sends nothing')
    assert.equal((await power.run(taskCtx(p('cycle'), services))).changed, true)
    assert.equal((await power.run(taskCtx(p('reset'), services))).changed, true)
    assert.deepEqual(writes(state), ['setPower:cycle', 'setPower:reset'])
  })

  test('wait that runs out of time fails the task with a message', async () => {
    const {state, services} = fakeHost()
    state.settleReads = 10_000
    const r = await power.run(taskCtx(p('on', true, 0.05), services))
    assert.equal(r.failed, true)
    assert.equal(r.changed, true)
    assert.match(String(r.msg), /on sent but power did not become on/)
  })

  test('BMC errors propagate (the runner reports the host as failed)', async () => {
    const {state, services} = fakeHost()
    state.failures.push({feature: 'power-state', kind: 'auth', times: 1})
    await assert.rejects(power.run(taskCtx(p('on'), services)), /injected auth failure/)
  })

  test('clear error when the runner caller did not inject bmcFor', async () => {
    await assert.rejects(power.run(taskCtx(p('on'), {})), /power: no BMC access .*services\.bmcFor/)
  })
})
