import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {silentLogger} from '../../../src/log.js'
import nodeState, {type NodeStateParams} from '../../../src/tasks/node_state.js'
import type {TaskContext, TaskServices} from '../../../src/tasks/types.js'
import {ProvisionState as S} from '../../../src/state/types.js'
import {freshStore, nodeSpec} from '../state/fixtures.js'

function ctx(params: NodeStateParams, services: TaskServices, check = false, host = 'n1'): TaskContext<NodeStateParams> {
  return {params, host, vars: {}, check, signal: new AbortController().signal, log: silentLogger, services, progress: () => {}}
}

describe('node_state task', () => {
  test('declares its params with the states as choices and supports check mode', () => {
    assert.equal(nodeState.name, 'node_state')
    assert.equal(nodeState.supportsCheckMode, true)
    assert.ok(nodeState.params.state.required)
    assert.ok(nodeState.params.state.choices?.includes('deploy-failed'))
    assert.equal(nodeState.params.state.choices?.length, Object.values(S).length)
  })

  test('check → apply → apply again', async () => {
    const {store} = freshStore()
    store.upsertNode(nodeSpec('n1'))
    const services = {store}
    const checked = await nodeState.run(ctx({state: S.Manageable, reason: 'bmc ok'}, services, true))
    assert.equal(checked.changed, true)
    assert.match(String(checked.msg), /would move enroll → manageable/)
    assert.equal(store.getNode('n1')?.state, S.Enroll, 'check mode changes nothing')

    const applied = await nodeState.run(ctx({state: S.Manageable, reason: 'bmc ok'}, services))
    assert.deepEqual([applied.changed, applied.state, applied.previous], [true, S.Manageable, S.Enroll])
    assert.equal(store.getNode('n1')?.state, S.Manageable)
    assert.equal(store.events('n1', {kinds: ['state.change']}).at(-1)?.data?.reason, 'bmc ok')

    const again = await nodeState.run(ctx({state: S.Manageable}, services))
    assert.equal(again.changed, false)
    assert.equal(again.failed, undefined)
    assert.equal(store.events('n1', {kinds: ['state.change']}).length, 1, 'no event for a no-op')
    store.close()
  })

  test('records the error on a failed state', async () => {
    const {store} = freshStore()
    store.upsertNode(nodeSpec('n1'))
    for (const s of [S.Manageable, S.Available, S.Deploying]) store.transition('n1', s)
    const r = await nodeState.run(ctx({state: S.DeployFailed, reason: 'rescue', error: 'callback timed out'}, {store}))
    assert.equal(r.changed, true)
    assert.equal(store.getNode('n1')?.lastError, 'callback timed out')
    store.close()
  })

  test('illegal transitions and unknown nodes fail (also in check mode) without changing anything', async () => {
    const {store} = freshStore()
    store.upsertNode(nodeSpec('n1'))
    for (const check of [true, false]) {
      const r = await nodeState.run(ctx({state: S.Active}, {store}, check))
      assert.equal(r.failed, true)
      assert.match(String(r.msg), /"enroll" to "active".*allowed: manageable, enroll, error/)
    }
    assert.equal(store.getNode('n1')?.state, S.Enroll)
    const missing = await nodeState.run(ctx({state: S.Manageable}, {store}, false, 'ghost'))
    assert.equal(missing.failed, true)
    assert.match(String(missing.msg), /ghost is not in the state store/)
    store.close()
  })

  test('a missing store is a clear error', async () => {
    await assert.rejects(nodeState.run(ctx({state: S.Manageable}, {})), /node_state: no state store/)
  })
})
