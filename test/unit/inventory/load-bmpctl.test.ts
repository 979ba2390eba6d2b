import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {InputError} from '../../../src/errors.js'
import {loadInventory, parseInventory} from '../../../src/inventory/load.js'
import {assertProblem, at, node, problemsOf} from './helpers.js'

const lines = (...l: string[]) => l.join('\n') + '\n'

describe('bmpctl inventory', () => {
  test('example.yaml loads with defaults merged under each node', async () => {
    const inv = await loadInventory('inventories/example.yaml')
    assert.equal(inv.format, 'bmpctl')
    assert.deepEqual([...inv.nodes.keys()], ['node-1', 'node-2', 'store-1'])
    const n1 = inv.nodes.get('node-1')!
    assert.deepEqual(n1.bmc, {driver: 'ipmi', address: '192.0.2.101', username: 'admin', password: {env: 'BMC_PASSWORD'}})
    assert.deepEqual(n1.network.ipv4, {address: '192.0.2.11/24', gateway: '192.0.2.1', dns: ['192.0.2.53']})
    assert.equal(n1.image?.url, 'http://192.0.2.1:8080/images/debian-12.raw')
    assert.equal(n1.sshKeys.length, 1)
    assert.deepEqual(n1.pos, {file: 'inventories/example.yaml', line: 35, col: 3})
    assert.equal(inv.nodes.get('node-2')!.bmc.port, 6230)
    assert.deepEqual(inv.nodes.get('node-2')!.nics, [{mac: '52:54:00:00:01:02'}, {mac: '52:54:00:00:02:02'}])
    const store = inv.nodes.get('store-1')!
    assert.deepEqual(
      {driver: store.bmc.driver, address: store.bmc.address, scheme: store.bmc.scheme, systemId: store.bmc.systemId, verifyTls: store.bmc.verifyTls},
      {driver: 'redfish', address: '192.0.2.103', scheme: 'https', systemId: '1', verifyTls: false},
    )
    assert.deepEqual(inv.groups.get('rack1'), {name: 'rack1', hosts: [], children: ['compute', 'storage'], vars: {rack: 'r1'}})
    assert.deepEqual(inv.groups.get('compute')?.hosts, ['node-1', 'node-2'])
    assert.deepEqual(inv.vars, {ntp_server: '192.0.2.1'})
  })

  test('an unquoted MAC stays a string under YAML 1.2 and is normalised', () => {
    const inv = parseInventory(lines('nodes:', '  n1:', '    bmc: {driver: fake}', '    nics:', '      - mac: 52:54:00:AB:CD:EF', '      - mac: 52-54-00-ab-cd-f0', '      - 5254.00ab.cdf1'), 'i.yaml')
    assert.deepEqual(inv.nodes.get('n1')!.nics, [{mac: '52:54:00:ab:cd:ef'}, {mac: '52:54:00:ab:cd:f0'}, {mac: '52:54:00:ab:cd:f1'}])
  })

  test('a MAC that YAML 1.1 read as a number is an error telling to quote it', () => {
    const text = lines('%YAML 1.1', '---', 'nodes:', '  n1:', '    bmc: {driver: fake}', '    nics:', '      - mac: 52:54:00:12:34:56')
    assertProblem(problemsOf(text), 'nodes.n1.nics[0].mac', at(text, 7, '52:54'), /MAC address parsed as the number/, /quote the MAC/)
  })

  test('node values win over defaults; the password source is replaced as a whole', () => {
    const text = lines(
      'defaults:',
      '  bmc: {username: admin, password_env: BMC_PW, port: 6230}',
      'nodes:',
      '  n1:',
      '    bmc: {address: 192.0.2.5, username: root, password_file: secrets/n1.pw}',
      '  n2:',
      '    bmc: {address: 192.0.2.6}',
    )
    const inv = parseInventory(text, '/srv/site/inv.yaml')
    assert.deepEqual(inv.nodes.get('n1')!.bmc, {driver: 'ipmi', address: '192.0.2.5', username: 'root', port: 6230, password: {file: '/srv/site/secrets/n1.pw'}})
    assert.deepEqual(inv.nodes.get('n2')!.bmc, {driver: 'ipmi', address: '192.0.2.6', username: 'admin', port: 6230, password: {env: 'BMC_PW'}})
  })

  test('a literal password becomes {value}', () => {
    const inv = parseInventory(lines('nodes:', node('n1', '52:54:00:00:00:01', '192.0.2.5').trimEnd()), 'i.yaml')
    assert.deepEqual(inv.nodes.get('n1')!.bmc.password, {value: 'p'})
  })

  test('more than one password source is rejected', () => {
    const text = lines('nodes:', '  n1:', '    bmc:', '      address: 192.0.2.5', '      username: u', '      password: p', '      password_env: X')
    assertProblem(problemsOf(text), 'nodes.n1.bmc', at(text, 7, 'password_env'), /more than one password source \(password, password_env\)/, /exactly one/)
  })

  test('missing credentials are reported at the bmc key; driver fake needs none', () => {
    const text = lines('nodes:', '  n1:', '    bmc: {address: 192.0.2.5}', '  n2:', '    bmc: {driver: fake}')
    const problems = problemsOf(text)
    assertProblem(problems, 'nodes.n1.bmc.username', at(text, 3, 'bmc'), /missing BMC username/, /defaults\.bmc/)
    assertProblem(problems, 'nodes.n1.bmc.password', at(text, 3, 'bmc'), /missing BMC password/)
    assert.equal(problems.length, 2)
  })

  test('a node without bmc at all points at the node name', () => {
    const text = lines('nodes:', '  n1:', '    nics: []')
    const problems = problemsOf(text)
    assertProblem(problems, 'nodes.n1.bmc.address', at(text, 2, 'n1'), /missing BMC address/)
  })

  test('unknown keys get a did-you-mean hint at the key position', () => {
    const text = lines('nodes:', '  n1:', '    bmc: {adress: 192.0.2.5, driver: fake}', '    nic: []', 'grups: {}')
    const problems = problemsOf(text)
    assertProblem(problems, 'nodes.n1.bmc.adress', at(text, 3, 'adress'), /unknown key "adress"/, /did you mean "address"\?/)
    assertProblem(problems, 'nodes.n1.nic', at(text, 4, 'nic'), /unknown key "nic" in node "n1"/, /did you mean "nics"\?/)
    assertProblem(problems, 'grups', at(text, 5, 'grups'), /unknown key "grups"/, /did you mean "groups"\?/)
  })

  test('unknown driver suggests the closest one', () => {
    const text = lines('nodes:', '  n1:', '    bmc: {driver: ipmii, address: 192.0.2.5, username: u, password: p}')
    assertProblem(problemsOf(text), 'nodes.n1.bmc.driver', at(text, 3, 'ipmii'), /unknown BMC driver "ipmii"/, /did you mean "ipmi"\?/)
  })

  test('duplicate node keys are reported with the first position', () => {
    const text = lines('nodes:', node('n1', '52:54:00:00:00:01', '192.0.2.5').trimEnd(), node('n1', '52:54:00:00:00:02', '192.0.2.6').trimEnd())
    assertProblem(problemsOf(text), 'nodes.n1', at(text, 5, 'n1'), /duplicate key "n1" \(first at line 2:3\)/)
  })

  test('malformed addresses, ports, CIDRs and gateways', () => {
    const text = lines(
      'nodes:',
      '  n1:',
      '    bmc: {address: 192.0.2.300, port: 70000, username: u, password: p}',
      '    network:',
      '      hostname: bad_host!',
      '      ipv4: {address: 192.0.2.10, dns: [192.0.2.999]}',
      '  n2:',
      '    bmc: {driver: fake}',
      '    network:',
      '      ipv4: {address: 192.0.2.20/33}',
      '  n3:',
      '    bmc: {driver: fake}',
      '    network:',
      '      ipv4: {address: 192.0.2.30/24, gateway: 198.51.100.1}',
    )
    const problems = problemsOf(text)
    assertProblem(problems, 'nodes.n1.bmc.address', at(text, 3, '192.0.2.300'), /malformed address "192.0.2.300"/)
    assertProblem(problems, 'nodes.n1.bmc.port', at(text, 3, '70000'), /malformed port 70000/, /1 to 65535/)
    assertProblem(problems, 'nodes.n1.network.hostname', at(text, 5, 'bad_host'), /malformed hostname/)
    assertProblem(problems, 'nodes.n1.network.ipv4.address', at(text, 6, '192.0.2.10'), /has no prefix length/, /192\.0\.2\.10\/24/)
    assertProblem(problems, 'nodes.n1.network.ipv4.dns[0]', at(text, 6, '192.0.2.999'), /malformed IPv4 address "192.0.2.999"/)
    assertProblem(problems, 'nodes.n2.network.ipv4.address', at(text, 10, '192.0.2.20/33'), /malformed CIDR/)
    assertProblem(problems, 'nodes.n3.network.ipv4.gateway', at(text, 14, '198.51'), /outside the subnet/)
    assert.equal(problems.length, 7)
  })

  test('YAML syntax errors carry their position', () => {
    const problems = problemsOf(lines('nodes:', '  n1:', '    bmc: {driver: fake', '  n2: x'))
    assert.ok(problems.length >= 1)
    assert.match(problems[0].message, /^YAML syntax error/)
    assert.equal(problems[0].pos?.file, 'inv.yaml')
    assert.equal(problems[0].pos?.line, 4)
  })

  test('YAML merge keys and anchors are followed', () => {
    const text = lines('x-bmc: &bmc {username: u, password: p}', 'nodes:', '  n1:', '    bmc: {<<: *bmc, address: 192.0.2.5}')
    const problems = problemsOf(text)
    // Only the unknown top-level key: the anchored fields themselves merged fine.
    assert.deepEqual(problems.map((p) => p.path), ['x-bmc'])
    const inv = parseInventory(lines('nodes:', '  n0: &base', '    bmc: {address: 192.0.2.4, username: u, password: p}', '  n1:', '    <<: *base', '    bmc: {address: 192.0.2.5, username: u, password: p}'), 'i.yaml')
    assert.equal(inv.nodes.get('n1')!.bmc.address, '192.0.2.5')
  })

  test('JSON in bmpctl form parses through YAML with positions', () => {
    const text = '{\n  "nodes": {\n    "n1": {"bmc": {"driver": "fake"}, "nics": [{"mac": 525400123456}]}\n  }\n}\n'
    assertProblem(problemsOf(text, 'inv.json'), 'nodes.n1.nics[0].mac', at(text, 3, '525400'), /parsed as the number/, /quote/)
  })

  test('empty inventory and unreadable files are input errors', async () => {
    assert.match(problemsOf('# nothing\n')[0].message, /inventory is empty/)
    await assert.rejects(loadInventory(join(mkdtempSync(join(tmpdir(), 'inv-')), 'missing.yaml')), (e) => e instanceof InputError && /ENOENT/.test(e.message))
  })

  test('group problems: unknown host, unknown child, cycle, reserved name', () => {
    const text = lines(
      'nodes:',
      node('n1', '52:54:00:00:00:01', '192.0.2.5').trimEnd(),
      'groups:',
      '  a: {children: [b], hosts: [n2]}',
      '  b: {children: [a, c]}',
      '  all: {vars: {x: 1}}',
    )
    const problems = problemsOf(text)
    assertProblem(problems, 'groups.a.hosts[0]', at(text, 6, 'n2'), /unknown host "n2"/, /did you mean "n1"\?/)
    assertProblem(problems, 'groups.b.children[1]', at(text, 7, 'c]'), /unknown child group "c"/)
    assertProblem(problems, 'groups.a.children[0]', at(text, 6, 'b]'), /group cycle: a → b → a/)
    assertProblem(problems, 'groups.all', at(text, 8, 'all'), /reserved/, /top-level vars/)
  })

  test('loads from a file on disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inv-'))
    const file = join(dir, 'site.yml')
    writeFileSync(file, lines('nodes:', node('n1', '52:54:00:00:00:01', '192.0.2.5').trimEnd()))
    const inv = await loadInventory(file)
    assert.equal(inv.source, file)
    assert.equal(inv.nodes.get('n1')!.pos?.file, file)
  })
})
