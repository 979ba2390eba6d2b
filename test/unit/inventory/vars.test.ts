import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {loadInventory, parseInventory} from '../../../src/inventory/load.js'
import {groupMembers, hostVars} from '../../../src/inventory/vars.js'

const text = [
  'vars: {v: top, only_top: 1, list: [1]}',
  'groups:',
  '  zeta: {children: [child], vars: {v: zeta, z: 1}}',
  '  alpha: {children: [child], vars: {v: alpha, a: 1}}',
  '  child: {vars: {v: child, c: 1}}',
  '  other: {hosts: [n1], vars: {v: other}}',
  'nodes:',
  '  n1: {bmc: {driver: fake}, groups: [child], vars: {v: host}}',
  '  n2: {bmc: {driver: fake}, groups: [zeta]}',
  '  n3: {bmc: {driver: fake}}',
].join('\n')

describe('groups and host vars', () => {
  const inv = parseInventory(text, 'v.yaml')

  test('membership includes children, all and ungrouped', () => {
    assert.deepEqual(groupMembers(inv), {
      all: ['n1', 'n2', 'n3'],
      zeta: ['n1', 'n2'],
      alpha: ['n1'],
      child: ['n1'],
      other: ['n1'],
      ungrouped: ['n3'],
    })
  })

  test('precedence: top vars → shallow groups (alphabetical) → child groups → host', () => {
    assert.equal(hostVars(inv, 'n1').v, 'host')
    // Without the host var, the deepest group wins over its parents and alphabetical peers.
    const noHostVar = parseInventory(text.replace(', vars: {v: host}', ''), 'v.yaml')
    assert.equal(hostVars(noHostVar, 'n1').v, 'child')
    // Depth-1 groups apply alphabetically: zeta after alpha and other.
    assert.equal(hostVars(inv, 'n2').v, 'zeta')
    const shallow = parseInventory(text.replace('{vars: {v: child, c: 1}}', '{}').replace(', vars: {v: host}', ''), 'v.yaml')
    assert.equal(hostVars(shallow, 'n1').v, 'zeta')
    assert.equal(hostVars(inv, 'n3').v, 'top')
    const v1 = hostVars(inv, 'n1')
    assert.deepEqual([v1.only_top, v1.z, v1.a, v1.c], [1, 1, 1, 1])
  })

  test('bmpctl_node carries the node data without the BMC password', async () => {
    const ex = await loadInventory('inventories/example.yaml')
    const v = hostVars(ex, 'store-1')
    const n = v.bmpctl_node as Record<string, unknown>
    assert.equal(n.name, 'store-1')
    assert.deepEqual(n.macs, ['52:54:00:00:01:03'])
    assert.equal((n.bmc as Record<string, unknown>).address, '192.0.2.103')
    assert.equal('password' in (n.bmc as object), false)
    assert.doesNotMatch(JSON.stringify(v), /BMC_PASSWORD/)
    assert.deepEqual([v.role, v.rack, v.ntp_server], ['storage', 'r1', '192.0.2.1'])
  })

  test('returned vars are copies', () => {
    const v = hostVars(inv, 'n3')
    ;(v.list as number[]).push(2)
    assert.deepEqual(hostVars(inv, 'n3').list, [1])
    assert.throws(() => hostVars(inv, 'nope'), /unknown host "nope"/)
  })
})
