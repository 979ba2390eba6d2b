import {beforeEach, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {fakeBmcState, resetFakeBmcs} from '../../../src/bmc/fake.js'
import {InputError} from '../../../src/errors.js'
import {parseInventory} from '../../../src/inventory/load.js'
import {enrollInventory, formatEnrollTable} from '../../../src/services/enroll.js'
import {ProvisionState} from '../../../src/state/types.js'
import {freshStore, nodeSpec} from '../state/fixtures.js'

const PW = 'fake-secret-pw'

/** Three fake-BMC nodes; node c's BMC refuses credentials unless told otherwise. */
function inventory(over: {aMac?: string; bAddress?: string} = {}) {
  return parseInventory(`
defaults:
  bmc: {driver: fake, username: admin, password: ${PW}}
nodes:
  a:
    bmc: {address: fake-a}
    nics: [{mac: "${over.aMac ?? '52:54:00:00:0a:01'}"}]
    groups: [web]
  b:
    bmc: {address: ${over.bAddress ?? 'fake-b'}}
    nics: [{mac: "52:54:00:00:0b:01"}]
    groups: [web]
  c:
    bmc: {address: fake-c}
    nics: [{mac: "52:54:00:00:0c:01"}]
    groups: [db]
`, 'inv.yaml')
}

beforeEach(() => {
  resetFakeBmcs()
  fakeBmcState('fake-c').credentials = {username: 'admin', password: 'other'}
})

describe('enroll', () => {
  test('adds nodes; passing BMCs end available, a refused one stays in enroll with the reason', async () => {
    const {store} = freshStore()
    const r = await enrollInventory(store, inventory(), {forks: 2})
    assert.deepEqual(r.rows.map((x) => [x.node, x.result, x.state, x.bmc.ok]), [
      ['a', 'added', 'available', true], ['b', 'added', 'available', true], ['c', 'added', 'enroll', false]])
    assert.equal(r.failed, true)
    const c = store.requireNode('c')
    assert.equal(c.state, ProvisionState.Enroll)
    assert.match(c.lastError ?? '', /credentials refused/)
    const check = store.events('c', {kinds: ['bmc.check']})
    assert.equal(check.length, 1)
    assert.equal(check[0].data?.ok, false)
    assert.match(String(check[0].data?.error), /auth/)
    assert.equal(r.rows[0].bmc.answeredBy, 'fake')
    const states = store.events('a', {kinds: ['state.change']}).map((e) => e.data?.to)
    assert.deepEqual(states, ['manageable', 'available'])
    assert.ok(!JSON.stringify(r).includes(PW) && !formatEnrollTable(r).includes(PW), 'no password in results')
  })

  test('enrolling the same inventory again: every node unchanged; a fixed BMC moves on', async () => {
    const {store} = freshStore()
    await enrollInventory(store, inventory())
    fakeBmcState('fake-c').credentials = undefined
    const again = await enrollInventory(store, inventory())
    assert.deepEqual(again.rows.map((x) => x.result), ['unchanged', 'unchanged', 'unchanged'])
    assert.deepEqual(again.rows.map((x) => x.state), ['available', 'available', 'available'])
    assert.equal(again.failed, false)
    assert.equal(store.requireNode('c').lastError, undefined)
  })

  test('changed fields are named; a node past enroll keeps its state', async () => {
    const {store} = freshStore()
    await enrollInventory(store, inventory())
    const r = await enrollInventory(store, inventory({aMac: '52:54:00:00:0a:99', bAddress: 'fake-b2'}))
    assert.deepEqual(r.rows.slice(0, 2).map((x) => [x.result, x.fields]), [['changed', ['nics']], ['changed', ['bmc.address']]])
    assert.equal(store.requireNode('a').spec.nics[0].mac, '52:54:00:00:0a:99')
    assert.equal(store.requireNode('a').state, 'available')
    assert.equal(store.findNodeByMac('52:54:00:00:0a:01'), undefined)
  })

  test('dry run reports what would change and writes nothing, contacting no BMC', async () => {
    const {store} = freshStore()
    const r = await enrollInventory(store, inventory(), {dryRun: true})
    assert.deepEqual(r.rows.map((x) => [x.result, x.state, x.bmc.ok]), [['added', 'enroll', undefined], ['added', 'enroll', undefined], ['added', 'enroll', undefined]])
    assert.equal(store.listNodes().length, 0)
    assert.deepEqual(fakeBmcState('fake-a').calls, [])
    await enrollInventory(store, inventory())
    const before = JSON.stringify(store.listNodes())
    const d2 = await enrollInventory(store, inventory({bAddress: 'fake-b9'}), {dryRun: true})
    assert.deepEqual(d2.rows.map((x) => x.result), ['unchanged', 'changed', 'unchanged'])
    assert.deepEqual(d2.rows[1].fields, ['bmc.address'])
    assert.equal(JSON.stringify(store.listNodes()), before)
  })

  test('--limit selects by host pattern and warns about terms that matched nothing', async () => {
    const {store} = freshStore()
    const warnings: string[] = []
    const r = await enrollInventory(store, inventory(), {limit: 'web,!b,nosuch', onWarning: (w) => warnings.push(w)})
    assert.deepEqual(r.rows.map((x) => x.node), ['a'])
    assert.deepEqual(store.listNodes().map((n) => n.name), ['a'])
    assert.equal(warnings.length, 1)
    assert.match(warnings[0], /"nosuch"/)
    await assert.rejects(enrollInventory(store, inventory(), {limit: 'zzz'}), (e) => e instanceof InputError && /zzz/.test(e.message))
  })

  test('--skip-bmc-check provides nodes unverified without contacting BMCs, and says so in the events', async () => {
    const {store} = freshStore()
    const r = await enrollInventory(store, inventory(), {skipBmcCheck: true})
    assert.equal(r.failed, false)
    assert.ok(r.rows.every((x) => x.state === 'available' && x.bmc.skipped))
    assert.equal(store.requireNode('a').state, 'available')
    assert.ok(store.events('a').some((e) => e.kind === 'state.change' && /BMC check skipped/.test(e.message + JSON.stringify(e.data))))
    assert.deepEqual(fakeBmcState('fake-a').calls, [])
    const again = await enrollInventory(store, inventory(), {skipBmcCheck: true})
    assert.ok(again.rows.every((x) => x.result === 'unchanged' && x.state === 'available'))
  })

  test('MACs and BMC of a deploying node are not changed; the node is named with its state', async () => {
    const {store} = freshStore()
    await enrollInventory(store, inventory())
    store.transition('a', ProvisionState.Deploying)
    const r = await enrollInventory(store, inventory({aMac: '52:54:00:00:0a:77'}))
    assert.equal(r.rows[0].result, 'refused')
    assert.match(r.rows[0].error ?? '', /node a is deploying: will not change nics/)
    assert.equal(store.requireNode('a').spec.nics[0].mac, '52:54:00:00:0a:01')
    assert.equal(r.failed, true)
  })

  test('a MAC owned by an enrolled node outside the inventory is bad input; nothing written', async () => {
    const {store} = freshStore()
    store.upsertNode(nodeSpec('old', {nics: [{mac: '52:54:00:00:0b:01'}], bmc: {driver: 'fake', address: 'fake-old'}}))
    await assert.rejects(enrollInventory(store, inventory()), (e) => e instanceof InputError && /belongs to enrolled node old/.test(e.message))
    assert.deepEqual(store.listNodes().map((n) => n.name), ['old'])
  })
})
