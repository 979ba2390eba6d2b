import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {buildConfigDriveIso, configDriveFiles, type ConfigDriveInput} from '../../../src/deploy/configdrive.js'
import {needsCommands, tempDir} from '../../support/env.js'

const input: ConfigDriveInput = {
  uuid: '9a6f0e3c-1b2d-4c5e-8f70-123456789abc',
  name: 'node-1',
  hostname: 'node-1.lab',
  publicKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample op@desk'],
  macs: ['52:54:00:00:00:01', '52:54:00:00:00:02'],
  ipv4: {address: '192.0.2.21/24', gateway: '192.0.2.1', dns: ['192.0.2.53']},
  userData: '#cloud-config\nruncmd: [touch /tmp/ok]\n',
}

describe('config-2 layout', () => {
  const files = configDriveFiles(input)
  test('meta_data.json carries uuid, hostname and keys in both forms cloud-init reads', () => {
    const meta = JSON.parse(files['openstack/latest/meta_data.json'])
    assert.equal(meta.uuid, input.uuid)
    assert.equal(meta.hostname, 'node-1.lab')
    assert.deepEqual(meta.public_keys, {'key-0': input.publicKeys[0]})
    assert.deepEqual(meta.keys, [{name: 'key-0', type: 'ssh', data: input.publicKeys[0]}])
  })
  test('network_data.json: static IPv4 on the first NIC with route and DNS', () => {
    const net = JSON.parse(files['openstack/latest/network_data.json'])
    assert.equal(net.links.length, 2)
    assert.equal(net.links[0].ethernet_mac_address, '52:54:00:00:00:01')
    assert.deepEqual(net.networks[0], {
      id: 'network0', type: 'ipv4', link: 'nic0', ip_address: '192.0.2.21', netmask: '255.255.255.0',
      routes: [{network: '0.0.0.0', netmask: '0.0.0.0', gateway: '192.0.2.1'}], network_id: 'provisioning',
    })
    assert.deepEqual(net.services, [{type: 'dns', address: '192.0.2.53'}])
  })
  test('user_data passed through', () => assert.equal(files['openstack/latest/user_data'], input.userData))
  test('no ipv4 → DHCP network', () => {
    const net = JSON.parse(configDriveFiles({...input, ipv4: undefined})['openstack/latest/network_data.json'])
    assert.equal(net.networks[0].type, 'ipv4_dhcp')
    assert.deepEqual(net.services, [])
  })
  test('bond links both NICs and carries the network', () => {
    const net = JSON.parse(configDriveFiles({...input, bond: {mode: '802.3ad', macs: input.macs}})['openstack/latest/network_data.json'])
    assert.deepEqual(net.links[2].bond_links, ['nic0', 'nic1'])
    assert.equal(net.networks[0].link, 'bond0')
  })
  test('bond with a foreign MAC is refused naming it', () => {
    assert.throws(() => configDriveFiles({...input, bond: {mode: 'active-backup', macs: ['52:54:00:ff:ff:ff']}}), /52:54:00:ff:ff:ff/)
  })
  test('bad CIDR is refused naming it', () => {
    assert.throws(() => configDriveFiles({...input, ipv4: {address: '192.0.2.21', dns: []}}), /"192\.0\.2\.21" is not CIDR/)
  })
})

describe('NoCloud layout', () => {
  const files = configDriveFiles(input, 'cidata')
  test('meta-data has instance id, hostname and keys', () => {
    assert.match(files['meta-data'], /^instance-id: 9a6f0e3c/m)
    assert.match(files['meta-data'], /^local-hostname: node-1\.lab$/m)
    assert.ok(files['meta-data'].includes(input.publicKeys[0]))
  })
  test('network-config v2 matches the first MAC', () => {
    const net = JSON.parse(files['network-config'])
    assert.equal(net.version, 2)
    assert.deepEqual(net.ethernets.eth0.match, {macaddress: '52:54:00:00:00:01'})
    assert.deepEqual(net.ethernets.eth0.addresses, ['192.0.2.21/24'])
  })
})

describe('ISO image', {skip: needsCommands('genisoimage', 'isoinfo')}, () => {
  test('config-2 ISO has the label and files, read back by isoinfo', async () => {
    const iso = await buildConfigDriveIso(input)
    const dir = tempDir()
    const path = join(dir, 'cd.iso')
    writeFileSync(path, iso)
    const pvd = execFileSync('isoinfo', ['-d', '-i', path], {encoding: 'utf8'})
    assert.match(pvd, /Volume id: config-2/)
    const meta = execFileSync('isoinfo', ['-R', '-i', path, '-x', '/openstack/latest/meta_data.json'], {encoding: 'utf8'})
    assert.equal(JSON.parse(meta).hostname, 'node-1.lab')
  })
  test('cidata ISO label', async () => {
    const dir = tempDir()
    const path = join(dir, 'nc.iso')
    writeFileSync(path, await buildConfigDriveIso(input, 'cidata'))
    assert.match(execFileSync('isoinfo', ['-d', '-i', path], {encoding: 'utf8'}), /Volume id: cidata/)
  })
})
