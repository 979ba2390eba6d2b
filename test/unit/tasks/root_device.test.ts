import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import type {RootDeviceHints} from '../../../src/deploy/root-device.js'
import rootDevice from '../../../src/tasks/root_device.js'
import {ctxFor, liveosFacts, node, storeWith} from './deploy-fixtures.js'

const GIB = 1024 ** 3
const disks = [
  {name: 'sda', sizeBytes: 500 * GIB, model: 'BIG', serial: 's1', wwn: null, rotational: true},
  {name: 'sdb', sizeBytes: 100 * GIB, model: 'SSD', serial: 's2', wwn: null, rotational: false},
  {name: 'sdc', sizeBytes: 1 * GIB, model: 'USB', serial: 's3', wwn: null, rotational: false},
]

function setup(properties: Record<string, unknown> = {}) {
  const {store} = storeWith(node('n1', {properties}))
  store.setFacts('n1', {liveos: liveosFacts({disks})})
  return {store}
}

describe('root_device task', () => {
  test('smallest disk of at least 4 GiB without hints', async () => {
    const {store} = setup()
    const r = await rootDevice.run(ctxFor({}, {store}))
    assert.deepEqual([r.device, r.size, r.model, r.changed], ['/dev/sdb', 100 * GIB, 'SSD', false])
    assert.deepEqual(r.facts, {root_device: '/dev/sdb'})
  })

  test('hints param wins over properties.root_device', async () => {
    const {store} = setup({root_device: {model: 'SSD'}})
    assert.equal((await rootDevice.run(ctxFor({}, {store}))).device, '/dev/sdb')
    assert.equal((await rootDevice.run(ctxFor({hints: {rotational: true}}, {store}))).device, '/dev/sda')
  })

  test('no match fails listing the disks seen', async () => {
    const {store} = setup()
    const r = await rootDevice.run(ctxFor({hints: {serial: 'nope'}}, {store}))
    assert.equal(r.failed, true)
    for (const d of ['sda', 'sdb', 'sdc', 'serial=nope']) assert.ok(String(r.msg).includes(d), String(r.msg))
  })

  test('a bad hint fails with the reason', async () => {
    const {store} = setup()
    const r = await rootDevice.run(ctxFor({hints: {colour: 'red'} as RootDeviceHints}, {store}))
    assert.equal(r.failed, true)
    assert.match(String(r.msg), /unknown root device hint "colour"/)
  })

  test('without a call-back the error says so', async () => {
    const {store} = storeWith()
    await assert.rejects(rootDevice.run(ctxFor({}, {store})), /has no LiveOS facts/)
  })
})
