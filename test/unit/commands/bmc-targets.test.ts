import {beforeEach, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {fakeBmcState, resetFakeBmcs} from '../../../src/bmc/fake.js'
import {InputError} from '../../../src/errors.js'
import {bootNodes, durationFlag, powerNodes, selectNodes} from '../../../src/services/bmc-targets.js'
import {openStore} from '../../../src/state/store.js'
import {freshStore, nodeSpec} from '../state/fixtures.js'

const fake = (address: string) => ({driver: 'fake' as const, address, username: 'admin', password: {value: 'pw-never-shown'}})

function seeded() {
  const {store, dir} = freshStore()
  const specs = [
    nodeSpec('node-01', {groups: ['compute', 'rack1'], bmc: fake('f1'), nics: [{mac: '52:54:00:00:00:01'}]}),
    nodeSpec('node-02', {groups: ['compute'], bmc: fake('f2'), nics: [{mac: '52:54:00:00:00:02'}]}),
    nodeSpec('store-1', {groups: ['storage', 'rack1'], bmc: fake('f3'), nics: [{mac: '52:54:00:00:00:03'}]}),
  ]
  for (const s of specs) store.upsertNode(s)
  return {store, dir}
}

beforeEach(() => resetFakeBmcs())

describe('selectNodes over the store', () => {
  test('names, groups, globs, regex, intersection and exclusion', () => {
    const {store} = seeded()
    const names = (...p: string[]) => selectNodes(store, p).nodes.map((n) => n.name)
    assert.deepEqual(names('all'), ['node-01', 'node-02', 'store-1'])
    assert.deepEqual(names('compute'), ['node-01', 'node-02'])
    assert.deepEqual(names('rack1:!storage'), ['node-01'])
    assert.deepEqual(names('rack1:&compute'), ['node-01'])
    assert.deepEqual(names('node-0*'), ['node-01', 'node-02'])
    assert.deepEqual(names('~store'), ['store-1'])
    assert.deepEqual(names('store-1', 'node-02'), ['node-02', 'store-1'], 'several patterns: union in store order')
  })

  test('a pattern matching nothing is bad input naming it, with a did-you-mean', () => {
    const {store} = seeded()
    assert.throws(() => selectNodes(store, ['compute', 'computr']), (e) => e instanceof InputError && e.exitCode === 2 && /"computr"/.test(e.message) && /did you mean "compute"/.test(e.message))
  })

  test('an unmatched term next to matching ones is a warning', () => {
    const {store} = seeded()
    const s = selectNodes(store, ['compute,ghost'])
    assert.deepEqual(s.nodes.map((n) => n.name), ['node-01', 'node-02'])
    assert.equal(s.warnings.length, 1)
    assert.match(s.warnings[0], /"ghost"/)
  })
})

describe('power and boot-device over enrolled nodes', () => {
  test('power on records a bmc.power event per node with who answered; failures are per node', async () => {
    const {store, dir} = seeded()
    store.close()
    fakeBmcState('f2').failures.push({feature: 'power-set', kind: 'busy', times: 1})
    const run = await powerNodes(dir, ['compute'], 'on', {forks: 2})
    assert.deepEqual(run.results.map((r) => [r.node, r.ok]), [['node-01', true], ['node-02', false]])
    assert.equal(fakeBmcState('f1').power, 'on')
    const s = openStore(dir)
    try {
      const [e1] = s.events('node-01', {kinds: ['bmc.power']})
      assert.deepEqual([e1.data?.ok, e1.data?.answeredBy, e1.data?.action], [true, 'fake', 'on'])
      const [e2] = s.events('node-02', {kinds: ['bmc.power']})
      assert.equal(e2.data?.ok, false)
      assert.match(String(e2.data?.error), /busy/)
      assert.equal(s.events('store-1', {kinds: ['bmc.power']}).length, 0)
      assert.ok(!JSON.stringify(s.events('node-01')).includes('pw-never-shown'))
    } finally {
      s.close()
    }
  })

  test('boot-device set reads back and warns when the BMC dropped a bit', async () => {
    const {store, dir} = seeded()
    store.close()
    fakeBmcState('f3').quirks.dropPersistent = true
    const run = await bootNodes(dir, ['rack1'], {set: {device: 'pxe', persistent: true, uefi: false}}, {forks: 4})
    const [a, b] = run.results
    assert.deepEqual([a.ok, a.warning, a.setting], [true, undefined, {device: 'pxe', persistent: true, uefi: false}])
    assert.equal(b.ok, true)
    assert.match(b.warning ?? '', /persistent/)
    const s = openStore(dir)
    try {
      assert.match(String(s.events('store-1', {kinds: ['bmc.boot-device']})[0].data?.warning), /did not keep/)
    } finally {
      s.close()
    }
  })

  test('durationFlag: units, and bad input naming the flag', () => {
    assert.equal(durationFlag('timeout', '90'), 90_000)
    assert.equal(durationFlag('timeout', '2m'), 120_000)
    assert.throws(() => durationFlag('timeout', 'soon'), (e) => e instanceof InputError && /--timeout "soon"/.test(e.message))
  })
})
