import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {InputError} from '../../../src/errors.js'
import {ACTIONS, assertStates, claimNodes, interruptedReason, refusals} from '../../../src/services/deploy-targets.js'
import {openStore} from '../../../src/state/store.js'
import {thisHost} from '../../../src/state/reservations.js'
import {tempDir} from '../../support/env.js'
import {addNode, deadPid, fakeSpec, foreignReservation, TO_AVAILABLE} from './fixtures.js'

function setup() {
  const dir = tempDir('bmpctl-deploy-svc-')
  const store = openStore(dir)
  return {dir, store}
}

describe('refusals', () => {
  test('deploy refuses nodes outside available/deploy-failed, naming node, state and what is needed', () => {
    const {store} = setup()
    addNode(store, fakeSpec('a', 1), TO_AVAILABLE)
    addNode(store, fakeSpec('b', 2), [...TO_AVAILABLE, 'deploying', 'active'])
    addNode(store, fakeSpec('c', 3), [])
    const lines = refusals(store.listNodes(), 'deploy')
    assert.equal(lines.length, 2)
    assert.match(lines[0], /^node b is in state "active"; deploy needs "available" or "deploy-failed".*bmpctl rebuild/)
    assert.match(lines[1], /^node c is in state "enroll"/)
    store.close()
  })

  test('rebuild takes active nodes; undeploy takes active and deploy-failed, not available', () => {
    const {store} = setup()
    addNode(store, fakeSpec('a', 1), [...TO_AVAILABLE, 'deploying', 'active'])
    addNode(store, fakeSpec('b', 2), TO_AVAILABLE)
    assert.deepEqual(refusals(store.listNodes(), 'rebuild'), [])
    const un = refusals(store.listNodes(), 'undeploy')
    assert.equal(un.length, 1)
    assert.match(un[0], /node b is in state "available"; undeploy needs/)
    store.close()
  })

  test('assertStates throws one InputError (exit 2) listing every refused node', () => {
    const {store} = setup()
    addNode(store, fakeSpec('a', 1), [])
    addNode(store, fakeSpec('b', 2), ['manageable'])
    assert.throws(() => assertStates(store.listNodes(), 'deploy'), (err: unknown) => {
      assert.ok(err instanceof InputError)
      assert.equal(err.exitCode, 2)
      assert.deepEqual(err.problems.map((p) => p.message.split(';')[0]), ['node a is in state "enroll"', 'node b is in state "manageable"'])
      return true
    })
    store.close()
  })
})

describe('claimNodes', () => {
  test('reserves free nodes and leaves their state alone', () => {
    const {store} = setup()
    addNode(store, fakeSpec('a', 1), TO_AVAILABLE)
    const c = claimNodes(store, ['a'], ACTIONS.deploy.purpose)
    assert.deepEqual(c.held.map((h) => h.node), ['a'])
    assert.equal(store.reservation('a')?.pid, process.pid)
    assert.equal(store.getNode('a')?.state, 'available')
    assert.deepEqual(c.recovered, [])
    store.close()
  })

  test('a node held by a live process is a conflict naming the holder; the others are claimed', () => {
    const {dir, store} = setup()
    addNode(store, fakeSpec('a', 1), TO_AVAILABLE)
    addNode(store, fakeSpec('b', 2), TO_AVAILABLE)
    foreignReservation(dir, 'a', process.ppid)
    const c = claimNodes(store, ['a', 'b'], 'deploy')
    assert.deepEqual(c.held.map((h) => h.node), ['b'])
    assert.equal(c.conflicts.length, 1)
    assert.equal(c.conflicts[0].node, 'a')
    assert.match(c.conflicts[0].reason, new RegExp(`reserved by pid ${process.ppid} on ${thisHost}`))
    assert.equal(store.reservation('a')?.pid, process.ppid)
    store.close()
  })

  for (const [busy, path, failed] of [
    ['deploying', ['deploying'], 'deploy-failed'],
    ['wait-callback', ['deploying', 'wait-callback'], 'deploy-failed'],
    ['inspecting', ['inspecting'], 'inspect-failed'],
  ] as const) {
    test(`a node left ${busy} by a dead process moves to ${failed} with "interrupted", then is held by us`, () => {
      const {dir, store} = setup()
      addNode(store, fakeSpec('a', 1), [...TO_AVAILABLE, ...path])
      const pid = deadPid()
      foreignReservation(dir, 'a', pid)
      const c = claimNodes(store, ['a'], 'deploy')
      const node = store.requireNode('a')
      const want = `interrupted: deploy process ${pid} on ${thisHost} died`
      assert.equal(node.state, failed)
      assert.equal(node.lastError, want)
      assert.deepEqual(c.recovered, [{node: 'a', from: busy, to: failed, reason: want}])
      assert.equal(store.reservation('a')?.pid, process.pid)
      const change = store.events('a', {kinds: ['state.change']}).at(-1)
      assert.equal(change?.message, `${busy} → ${failed}: ${want}`)
      store.close()
    })
  }

  test('a busy node with no reservation at all is recovered too (never stuck)', () => {
    const {store} = setup()
    addNode(store, fakeSpec('a', 1), [...TO_AVAILABLE, 'deploying'])
    claimNodes(store, ['a'], 'deploy')
    assert.equal(store.requireNode('a').state, 'deploy-failed')
    assert.equal(store.requireNode('a').lastError, interruptedReason(undefined))
    store.close()
  })

  test('a busy node held by a live process is not touched', () => {
    const {dir, store} = setup()
    addNode(store, fakeSpec('a', 1), [...TO_AVAILABLE, 'deploying'])
    foreignReservation(dir, 'a', process.ppid)
    const c = claimNodes(store, ['a'], 'deploy')
    assert.equal(c.conflicts.length, 1)
    assert.equal(store.requireNode('a').state, 'deploying')
    store.close()
  })
})
