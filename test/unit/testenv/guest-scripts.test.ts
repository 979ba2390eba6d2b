import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {configDriveFiles, type ConfigDriveInput} from '../../../src/deploy/configdrive.js'
import {guestAssetsDir} from '../../../src/testenv/guest-layout.js'
import {needsCommands, tempDir} from '../../support/env.js'

/** The guest image's JSON handling (busybox awk) against the config drives bmpctl writes. */
const skip = needsCommands('busybox')
const assets = guestAssetsDir()
const tmp = tempDir('bmpctl-guest-awk-')
let n = 0

function awk(script: string, input: string, vars: Record<string, string> = {}): string {
  const file = join(tmp, `in-${n++}`)
  writeFileSync(file, input)
  const v = Object.entries(vars).flatMap(([k, val]) => ['-v', `${k}=${val}`])
  return execFileSync('busybox', ['awk', ...v, '-f', join(assets, script), file], {encoding: 'utf8'})
}

const base: ConfigDriveInput = {uuid: 'u', name: 'n', hostname: 'web-1', publicKeys: ['ssh-ed25519 AAAA one@x', 'ssh-rsa BBBB two@y'], macs: ['52:54:00:AA:00:01', '52:54:00:aa:00:02']}
const netcfg = (input: ConfigDriveInput, mac: string) => awk('netcfg.awk', awk('flat.awk', configDriveFiles(input)['openstack/latest/network_data.json']), {mac}).trim()

describe('guest config drive parsing', {skip}, () => {
  test('flat.awk flattens meta_data.json: hostname and every public key', () => {
    const flat = awk('flat.awk', configDriveFiles(base)['openstack/latest/meta_data.json'])
    assert.match(flat, /^hostname=web-1$/m)
    assert.deepEqual(flat.split('\n').filter((l) => l.startsWith('public_keys.')), ['public_keys.key-0=ssh-ed25519 AAAA one@x', 'public_keys.key-1=ssh-rsa BBBB two@y'])
    assert.match(flat, /^keys\.1\.data=ssh-rsa BBBB two@y$/m)
  })

  test('flat.awk keeps nesting, array indices and empty containers', () => {
    const flat = awk('flat.awk', JSON.stringify({a: {b: [1, {c: 'x, y'}], e: [], f: {}}, g: true}, null, 2)).trim().split('\n')
    assert.deepEqual(flat, ['a.b.0=1', 'a.b.1.c=x, y', 'g=true'])
  })

  test('static IPv4 on the NIC with the matching MAC (case-insensitive), with gateway and DNS', () => {
    const input = {...base, ipv4: {address: '192.0.2.50/24', gateway: '192.0.2.1', dns: ['192.0.2.53', '192.0.2.54']}}
    assert.equal(netcfg(input, '52:54:00:aa:00:01'), 'ipv4 192.0.2.50 255.255.255.0 192.0.2.1 192.0.2.53 192.0.2.54')
    assert.equal(netcfg(input, '52:54:00:aa:00:02'), '', 'the second NIC carries no network')
  })

  test('no gateway prints "-"; DHCP networks say ipv4_dhcp', () => {
    assert.equal(netcfg({...base, ipv4: {address: '192.0.2.9/25', dns: []}}, '52:54:00:aa:00:01'), 'ipv4 192.0.2.9 255.255.255.128 -')
    assert.equal(netcfg(base, '52:54:00:aa:00:01'), 'ipv4_dhcp - - -')
  })

  test('a network on a bond applies to the NIC whose MAC the bond carries', () => {
    const input = {...base, bond: {mode: '802.3ad', macs: ['52:54:00:aa:00:02', '52:54:00:AA:00:01']}, ipv4: {address: '192.0.2.7/24', gateway: '192.0.2.1', dns: []}}
    assert.equal(netcfg(input, '52:54:00:aa:00:02'), 'ipv4 192.0.2.7 255.255.255.0 192.0.2.1')
  })
})
