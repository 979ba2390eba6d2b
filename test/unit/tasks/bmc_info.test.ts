import {test} from 'node:test'
import assert from 'node:assert/strict'
import bmcInfo from '../../../src/tasks/bmc_info.js'
import {fakeHost, taskCtx, writes} from './bmc-fixtures.js'

test('bmc_info reports facts, never changes, works in check mode', async () => {
  const {state, services} = fakeHost()
  for (const check of [true, false]) {
    const r = await bmcInfo.run(taskCtx({}, services, check))
    assert.equal(r.changed, false)
    assert.equal((r.facts as {bmc_info: {protocol: string}}).bmc_info.protocol, 'fake')
    assert.equal(r.answered_by, 'fake')
  }
  assert.deepEqual(state.calls, ['info', 'info'])
  assert.deepEqual(writes(state), [])
  assert.equal(bmcInfo.supportsCheckMode, true)
  assert.deepEqual(Object.keys(bmcInfo.params), [])
})

test('bmc_info without bmcFor names the missing service', async () => {
  await assert.rejects(bmcInfo.run(taskCtx({}, {})), /bmc_info: no BMC access/)
})
