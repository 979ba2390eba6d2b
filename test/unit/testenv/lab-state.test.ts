import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {InputError} from '../../../src/errors.js'
import {parseInventory} from '../../../src/inventory/load.js'
import {labUp} from '../../../src/services/testenv.js'
import {LAB_IMAGE_URL, labMac, labPaths, planNodes, renderInventory, validateLabName} from '../../../src/testenv/lab-state.js'
import {normalizeMac} from '../../../src/util/net.js'

describe('lab state helpers', () => {
  test('MACs are valid, stable per lab, distinct per node and per lab', () => {
    const a = Array.from({length: 50}, (_, i) => labMac('lab', i))
    for (const m of a) assert.equal(normalizeMac(m), m)
    assert.equal(new Set(a).size, 50)
    assert.deepEqual(a, Array.from({length: 50}, (_, i) => labMac('lab', i)))
    assert.notEqual(labMac('lab', 0), labMac('other', 0))
    assert.ok(a.every((m) => m.startsWith('52:54:00:')))
  })

  test('nodes get names, ports, addresses and files from their index', () => {
    const nodes = planNodes('x', 3, 'redfish', '/d/testenv/x')
    assert.deepEqual(nodes.map((n) => [n.name, n.vmName, n.tap, n.bmc.port, n.ipv4, n.disk]), [
      ['lab-0', 'bmp-x-lab-0', 'tap0', 8000, '192.0.2.20/24', '/d/testenv/x/lab-0.raw'],
      ['lab-1', 'bmp-x-lab-1', 'tap1', 8001, '192.0.2.21/24', '/d/testenv/x/lab-1.raw'],
      ['lab-2', 'bmp-x-lab-2', 'tap2', 8002, '192.0.2.22/24', '/d/testenv/x/lab-2.raw'],
    ])
    assert.equal(planNodes('x', 1, 'ipmi', '/d')[0].bmc.port, 6230)
  })

  test('lab names are checked', () => {
    for (const ok of ['lab', 'a', 'rack-1', 'x'.repeat(20)]) validateLabName(ok)
    for (const bad of ['', 'Lab', '-x', 'a b', 'a/b', 'x'.repeat(21)]) assert.throws(() => validateLabName(bad), InputError, bad)
  })

  test('the inventory loads with the bmpctl loader: BMC, NICs, network, image, password file', () => {
    const paths = labPaths('/var/lib/bmpctl', 'lab')
    const nodes = [...planNodes('lab', 2, 'ipmi', paths.nodeDir), ...planNodes('rf', 1, 'redfish', paths.nodeDir).map((n) => ({...n, name: 'rf-0', ipv4: '192.0.2.30/24'}))]
    const text = renderInventory({name: 'lab', passwordFile: paths.passwordFile, image: {path: paths.image, url: LAB_IMAGE_URL, sha256: 'ab'.repeat(32)}, nodes})
    const inv = parseInventory(text, 'lab-inventory.yaml')
    assert.deepEqual([...inv.nodes.keys()], ['lab-0', 'lab-1', 'rf-0'])
    const n1 = inv.nodes.get('lab-1')!
    assert.deepEqual({...n1.bmc}, {driver: 'ipmi', address: '127.0.0.1', port: 6231, username: 'admin', password: {file: '/var/lib/bmpctl/testenv/lab-bmc-password'}})
    assert.deepEqual(n1.nics, [{mac: nodes[1].mac}])
    assert.equal(n1.network.hostname, 'lab-1')
    assert.deepEqual(n1.network.ipv4, {address: '192.0.2.21/24', gateway: '192.0.2.1', dns: ['192.0.2.1']})
    assert.deepEqual(n1.image, {url: 'http://192.0.2.1:8080/images/guest.raw', checksum: `sha256:${'ab'.repeat(32)}`})
    const rf = inv.nodes.get('rf-0')!
    assert.equal(rf.bmc.driver, 'redfish')
    assert.equal(rf.bmc.scheme, 'http')
    assert.equal(rf.bmc.port, 8000)
  })

  test('bad up options are refused before anything is touched, naming the flag', async () => {
    const err = await labUp({dataDir: '/nonexistent', nodes: 0, diskSizeGiB: -1, memoryMiB: 64}).catch((e: unknown) => e)
    assert.ok(err instanceof InputError)
    assert.deepEqual(err.problems.map((p) => p.path), ['--nodes', '--disk-size', '--memory'])
  })
})
