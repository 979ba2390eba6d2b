import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import dhcpHost from '../../../src/tasks/dhcp_host.js'
import {ctxFor, deployServices, node, storeWith} from './deploy-fixtures.js'

function run(spec = node(), cfg: Parameters<typeof deployServices>[1] = {}, state: 'present' | 'absent' = 'present') {
  const {store, dataDir} = storeWith(spec)
  return dhcpHost.run(ctxFor({state}, {store, deploy: deployServices(dataDir, cfg)}))
}

describe('dhcp_host task', () => {
  test('rejects unknown params through its schema', () => {
    assert.deepEqual(Object.keys(dhcpHost.params), ['state'])
    assert.deepEqual(dhcpHost.params.state.choices, ['present', 'absent'])
  })

  test('an address inside the provisioning subnet is a reservation', async () => {
    const r = await run()
    assert.equal(r.failed, undefined)
    assert.deepEqual([r.changed, r.source, r.address, r.mac], [false, 'reservation', '192.0.2.10', '52:54:00:00:00:01'])
  })

  test('outside the subnet in reservations mode fails naming MAC, subnet and the fix', async () => {
    const r = await run(node('n1', {network: {ipv4: {address: '198.51.100.7/24', dns: []}}}))
    assert.equal(r.failed, true)
    const msg = String(r.msg)
    for (const part of ['52:54:00:00:00:01', '192.0.2.0/24', '198.51.100.7', 'reservations', 'network.ipv4.address', 'dhcp.range']) {
      assert.ok(msg.includes(part), `message names ${part}: ${msg}`)
    }
  })

  test('no address but a dynamic pool is fine', async () => {
    const dyn = {dhcp: {mode: 'dynamic' as const, range: {start: '192.0.2.100', end: '192.0.2.199'}, leaseTimeSec: 600, routers: [], dns: [], autoDiscover: false}}
    const r = await run(node('n1', {network: {}}), dyn)
    assert.deepEqual([r.failed, r.source, r.range], [undefined, 'pool', '192.0.2.100-192.0.2.199'])
  })

  test('no address and no pool fails', async () => {
    const r = await run(node('n1', {network: {}}))
    assert.equal(r.failed, true)
    assert.match(String(r.msg), /has no network\.ipv4\.address and DHCP mode is reservations/)
  })

  test("the manager's own address is refused", async () => {
    const r = await run(node('n1', {network: {ipv4: {address: '192.0.2.1/24', dns: []}}}))
    assert.equal(r.failed, true)
    assert.match(String(r.msg), /manager's own address/)
  })

  test('absent has nothing to do', async () => {
    const r = await run(node('n1', {network: {}}), {}, 'absent')
    assert.deepEqual([r.changed, r.failed], [false, undefined])
  })
})
