import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {loadInventory, parseInventory} from '../../../src/inventory/load.js'
import {assertProblem, problemsOf} from './helpers.js'

const lines = (...l: string[]) => l.join('\n') + '\n'
/** [line, col] of a cell: col is the column index + 1. */
const cell = (line: number, column: number): [number, number] => [line, column]

describe('CSV inventory', () => {
  test('nodes.csv loads: MAC lists, netmask → CIDR, lists split on ;, asset columns → properties', async () => {
    const inv = await loadInventory('inventories/nodes.csv')
    assert.equal(inv.format, 'csv')
    assert.deepEqual([...inv.nodes.keys()], ['rack2-01', 'rack2-02', 'rack2-03'])
    const n1 = inv.nodes.get('rack2-01')!
    assert.deepEqual(n1.bmc, {driver: 'ipmi', address: '192.0.2.121', username: 'admin', password: {env: 'BMC_PASSWORD'}})
    assert.deepEqual(n1.network, {hostname: 'rack2-01', ipv4: {address: '192.0.2.31/24', gateway: '192.0.2.1', dns: ['192.0.2.53']}})
    assert.deepEqual(n1.properties, {sn: 'SN0001', cabinet: 'C02', u_position: '12', description: 'first compute node'})
    const n2 = inv.nodes.get('rack2-02')!
    assert.deepEqual(n2.nics, [{mac: '52:54:00:00:0c:02'}, {mac: '52:54:00:00:0d:02'}])
    assert.deepEqual(n2.network.ipv4?.dns, ['192.0.2.53', '192.0.2.54'])
    assert.deepEqual(n2.groups, ['compute', 'gpu'])
    // Empty cells are absent, not empty strings.
    assert.equal('description' in n2.properties, false)
    assert.equal(n2.network.hostname, undefined)
    const n3 = inv.nodes.get('rack2-03')!
    assert.deepEqual(n3.nics, [{mac: '52:54:00:00:0c:03'}])
    assert.deepEqual([n3.bmc.driver, n3.bmc.scheme, n3.bmc.address], ['redfish', 'https', '192.0.2.123'])
    assert.deepEqual(n3.network, {})
  })

  test('a header row is detected without the .csv extension; mac1/mac2 columns and bmc_password', () => {
    const text = lines('Name,BMC Address,bmc_username,bmc_password,mac1,mac2,bmc_port', 'a,192.0.2.5,u,p,52:54:00:00:00:01,52:54:00:00:00:02,6230')
    const inv = parseInventory(text, 'import.txt')
    const a = inv.nodes.get('a')!
    assert.deepEqual(a.nics.map((n) => n.mac), ['52:54:00:00:00:01', '52:54:00:00:00:02'])
    assert.deepEqual(a.bmc, {driver: 'ipmi', address: '192.0.2.5', port: 6230, username: 'u', password: {value: 'p'}})
    assert.deepEqual(a.pos, {file: 'import.txt', line: 2, col: 1})
  })

  test('unknown and duplicate headers', () => {
    const problems = problemsOf(lines('name,bmc_adress,mac,mac,serial'), 'n.csv')
    assertProblem(problems, 'header.bmc_adress', cell(1, 2), /unknown column "bmc_adress"/, /did you mean "bmc_address"\?/)
    assertProblem(problems, 'header.mac', cell(1, 4), /duplicate column "mac"/)
    assertProblem(problems, 'header.serial', cell(1, 5), /unknown column "serial"/)
  })

  test('duplicate rows, MACs and BMC endpoints across rows', () => {
    const text = lines(
      'name,bmc_address,bmc_username,bmc_password,mac',
      'a,192.0.2.5,u,p,52:54:00:00:00:01',
      'b,192.0.2.5,u,p,52:54:00:00:00:01',
      'a,192.0.2.7,u,p,52:54:00:00:00:03',
    )
    const problems = problemsOf(text, 'n.csv')
    assertProblem(problems, 'nodes.b.mac', cell(3, 5), /MAC 52:54:00:00:00:01 is also used by node "a" \(line 2:5\)/)
    assertProblem(problems, 'nodes.b.bmc_address', cell(3, 2), /BMC 192\.0\.2\.5 port 623 is also used by node "a"/)
    // Row 4 repeats the name: the duplicate is reported at its name cell.
    const dup = problems.filter((p) => p.message.startsWith('duplicate node name'))
    assert.equal(dup.length, 1)
    assert.deepEqual([dup[0].pos?.line, dup[0].pos?.col, dup[0].path], [4, 1, 'nodes.a.name'])
    assert.match(dup[0].message, /first defined at nodes\.a\.name \(line 2:1\)/)
  })

  test('malformed cells are reported at line and column', () => {
    const text = lines(
      'name,bmc_driver,bmc_address,bmc_port,bmc_username,bmc_password,mac,ipv4,netmask,gateway,dns',
      'a,ipmi,192.0.2.5,99999,u,p,52:54:00:00:00:zz,192.0.2.10,255.255.0.255,192.0.2.1,192.0.2.53;x',
      'b,redfsh,192.0.2.6,,u,p,52:54:00:00:00:02,192.0.2.11/24,255.255.0.0,,',
    )
    const problems = problemsOf(text, 'n.csv')
    assertProblem(problems, 'nodes.a.bmc_port', cell(2, 4), /malformed port "99999"/)
    assertProblem(problems, 'nodes.a.mac', cell(2, 7), /malformed MAC address "52:54:00:00:00:zz"/)
    assertProblem(problems, 'nodes.a.netmask', cell(2, 9), /malformed netmask/)
    assertProblem(problems, 'nodes.a.dns[1]', cell(2, 11), /malformed IPv4 address "x"/)
    assertProblem(problems, 'nodes.b.bmc_driver', cell(3, 2), /unknown BMC driver "redfsh"/, /did you mean "redfish"\?/)
    assertProblem(problems, 'nodes.b.netmask', cell(3, 9), /contradicts the prefix \/24/)
    assert.equal(problems.length, 6)
  })

  test('missing credentials and several password sources', () => {
    const text = lines('name,bmc_driver,bmc_address,bmc_username,bmc_password,bmc_password_env', 'a,ipmi,192.0.2.5,,,', 'b,ipmi,192.0.2.6,u,p,ENV', 'c,fake,,,,')
    const problems = problemsOf(text, 'n.csv')
    assertProblem(problems, 'nodes.a.bmc_username', cell(2, 1), /missing BMC username/, /bmc_username/)
    assertProblem(problems, 'nodes.a.bmc_password', cell(2, 1), /missing BMC password/)
    assertProblem(problems, 'nodes.b.bmc_password_env', cell(3, 6), /more than one password source/)
    assert.equal(problems.length, 3)
  })

  test('CSV syntax errors and extra cells', () => {
    const quote = problemsOf(lines('name,mac', '"a,52:54:00:00:00:01'), 'n.csv')
    assert.equal(quote.length, 1)
    assert.match(quote[0].message, /CSV syntax error: Quote Not Closed/)
    assert.equal(quote[0].pos?.line, 2)
    const extra = problemsOf(lines('name,bmc_driver', 'a,fake,oops'), 'n.csv')
    assertProblem(extra, 'row 2', cell(2, 3), /more cells than the header/)
  })
})
