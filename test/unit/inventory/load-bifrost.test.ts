import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {loadInventory, parseInventory} from '../../../src/inventory/load.js'
import {assertProblem, at, problemsOf} from './helpers.js'

const lines = (...l: string[]) => l.join('\n') + '\n'

describe('Bifrost inventory', () => {
  test('bifrost.json loads: driver_info, nics, instance_info, ipv4_* and host_groups', async () => {
    const inv = await loadInventory('inventories/bifrost.json')
    assert.equal(inv.format, 'bifrost')
    const a = inv.nodes.get('node-a')!
    assert.deepEqual(a.bmc, {driver: 'ipmi', address: '192.0.2.111', port: 6231, username: 'admin', password: {value: 'example-only'}})
    assert.deepEqual(a.nics, [{mac: '52:54:00:00:0a:01'}])
    assert.deepEqual(a.network, {ipv4: {address: '192.0.2.21/24', gateway: '192.0.2.1', dns: ['192.0.2.53']}})
    assert.equal(a.image?.url, 'http://192.0.2.1:8080/images/debian-12.qcow2')
    assert.match(a.image?.checksum ?? '', /^sha256:/)
    assert.equal(a.uuid, '00000000-0000-0000-0000-000000000001')
    assert.deepEqual(a.properties.root_device, {wwn: '0x4000cca77fc4dba1'})
    assert.equal(a.vars.inventory_dhcp, true)
    const b = inv.nodes.get('node-b')!
    assert.deepEqual(b.bmc, {driver: 'redfish', address: '192.0.2.112', scheme: 'https', port: 8443, systemId: '11', verifyTls: false, username: 'admin', password: {value: 'example-only'}})
    // No ipv4_subnet_mask: Bifrost's default 255.255.255.0 applies.
    assert.deepEqual(b.network.ipv4, {address: '192.0.2.22/24', dns: ['192.0.2.53', '192.0.2.54']})
    assert.deepEqual(inv.groups.get('gpu')?.hosts, ['node-b'])
  })

  test('older Bifrost YAML: nested driver_info.power and agent_ipmitool load unchanged', () => {
    const text = lines(
      'oscompute0:',
      '  uuid: "de45b4ef-c23f-45e3-a454-148f152815ac"',
      '  driver_info:',
      '    power:',
      '      ipmi_username: "admin"',
      '      ipmi_address: "192.0.2.10"',
      '      ipmi_password: "password"',
      '      ipmi_bridging: "no"',
      '  nics:',
      '    - mac: "52:54:00:07:ac:4f"',
      '  driver: "agent_ipmitool"',
      '  ipv4_address: "192.0.2.21"',
      '  ipv4_subnet_mask: "255.255.0.0"',
      '  properties: {cpu_arch: "x86_64", ram: "5120", disk_size: "40", cpus: "1"}',
      '  name: "oscompute0"',
    )
    const n = parseInventory(text, 'baremetal.yml').nodes.get('oscompute0')!
    assert.deepEqual(n.bmc, {driver: 'ipmi', address: '192.0.2.10', username: 'admin', password: {value: 'password'}})
    assert.equal(n.network.ipv4?.address, '192.0.2.21/16')
    assert.equal(n.properties.ram, '5120')
  })

  test('the name field names the host, as in Bifrost', () => {
    const inv = parseInventory('{"key": {"name": "real", "driver": "fake-hardware"}}', 'b.json')
    assert.deepEqual([...inv.nodes.keys()], ['real'])
    assert.equal(inv.nodes.get('real')!.bmc.driver, 'fake')
  })

  test('a Bifrost host called "nodes" is not mistaken for the bmpctl form', () => {
    const inv = parseInventory('{"nodes": {"driver": "fake"}, "other": {"driver": "fake"}}', 'b.json')
    assert.equal(inv.format, 'bifrost')
    assert.deepEqual([...inv.nodes.keys()], ['nodes', 'other'])
  })

  test('unknown keys, drivers and driver_info fields are reported with suggestions', () => {
    const text = lines(
      '{',
      '  "n1": {',
      '    "driver": "idrac",',
      '    "ipv4_adress": "192.0.2.5",',
      '    "driver_info": {"redfish_adress": "x"}',
      '  },',
      '  "n2": {"driver": "ipmy"}',
      '}',
    )
    const problems = problemsOf(text, 'b.json')
    assertProblem(problems, 'n1.driver', at(text, 3, '"idrac"'), /unknown BMC driver "idrac"/, /use driver "redfish"/)
    assertProblem(problems, 'n1.ipv4_adress', at(text, 4, '"ipv4_adress"'), /unknown key "ipv4_adress"/, /did you mean "ipv4_address"\?/)
    assertProblem(problems, 'n1.driver_info.redfish_adress', at(text, 5, '"redfish_adress"'), /unknown key/, /did you mean "redfish_address"\?/)
    assertProblem(problems, 'n2.driver', at(text, 7, '"ipmy"'), /unknown BMC driver "ipmy"/, /did you mean "ipmi"\?/)
    assert.equal(problems.length, 4)
  })

  test('missing driver, address and credentials name the Bifrost fields', () => {
    const text = lines('n1:', '  driver: ipmi', '  driver_info: {ipmi_username: u}', 'n2:', '  nics: []')
    const problems = problemsOf(text)
    assertProblem(problems, 'n1.driver_info.ipmi_address', at(text, 3, 'driver_info'), /missing ipmi_address/)
    assertProblem(problems, 'n1.driver_info.ipmi_password', at(text, 3, 'driver_info'), /missing BMC password/, /ipmi_password/)
    assertProblem(problems, 'n2.driver', at(text, 4, 'n2'), /missing driver/, /ipmi or redfish/)
    assert.equal(problems.length, 3)
  })

  test('ssh_public_key_path is read; an unreadable one is a problem at its position', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bifrost-'))
    writeFileSync(join(dir, 'id.pub'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey user@host\n')
    const base = '"driver": "fake", "nics": [{"mac": "52:54:00:00:00:01"}]'
    const ok = parseInventory(`{"n1": {${base}, "ssh_public_key_path": "id.pub"}}`, join(dir, 'inv.json'))
    assert.deepEqual(ok.nodes.get('n1')!.sshKeys, ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey user@host'])
    const text = `{"n1": {${base},\n "ssh_public_key_path": "${dir}/missing.pub"}}`
    assertProblem(problemsOf(text, join(dir, 'inv.json')), 'n1.ssh_public_key_path', at(text, 2, `"${dir}`), /cannot read SSH public key file .*missing\.pub: ENOENT/)
  })

  test('redfish_verify_ca may be a CA bundle path (verify on) or a boolean string', () => {
    const mk = (v: string) => `{"n": {"driver": "redfish", "driver_info": {"redfish_address": "192.0.2.9", "redfish_username": "u", "redfish_password": "p", "redfish_verify_ca": ${v}}}}`
    assert.equal(parseInventory(mk('"/etc/ssl/ca.pem"'), 'b.json').nodes.get('n')!.bmc.verifyTls, true)
    assert.equal(parseInventory(mk('"False"'), 'b.json').nodes.get('n')!.bmc.verifyTls, false)
    // A bare address gets Redfish's default scheme.
    assert.equal(parseInventory(mk('true'), 'b.json').nodes.get('n')!.bmc.scheme, 'https')
  })

  test('malformed ipv4 fields and a numeric MAC', () => {
    const text = lines(
      '{"n1": {"driver": "fake",',
      '  "ipv4_address": "192.0.2.5", "ipv4_subnet_mask": "255.0.255.0",',
      '  "ipv4_gateway": "192.0.2.x", "ipv4_nameserver": ["192.0.2.53", "nope"],',
      '  "nics": [{"mac": 525400000001}]}}',
    )
    const problems = problemsOf(text, 'b.json')
    assertProblem(problems, 'n1.ipv4_subnet_mask', at(text, 2, '"255.0'), /malformed netmask/)
    assertProblem(problems, 'n1.ipv4_gateway', at(text, 3, '"192.0.2.x"'), /malformed IPv4 address/)
    assertProblem(problems, 'n1.ipv4_nameserver[1]', at(text, 3, '"nope"'), /malformed IPv4 address "nope"/)
    assertProblem(problems, 'n1.nics[0].mac', at(text, 4, '525400'), /parsed as the number/, /quote/)
    assert.equal(problems.length, 4)
  })
})
