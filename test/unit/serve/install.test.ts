import assert from 'node:assert/strict'
import {existsSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {EnvironmentError, ExitCode, InputError} from '../../../src/errors.js'
import {install} from '../../../src/services/install.js'
import {preflight} from '../../../src/services/preflight.js'
import {ensureSshKey, layHttpRoot, layTftpRoot, writeConfigFile} from '../../../src/services/install-steps.js'
import type {InstallSystem, PortState} from '../../../src/services/install-system.js'
import {renderUnit} from '../../../src/services/systemd.js'
import {tempDir} from '../../support/env.js'

/** A machine with br0 (192.0.2.1/24) and eth0, everything installed, ports free. */
function fakeSystem(over: Partial<InstallSystem> = {}): InstallSystem & {calls: string[]} {
  const calls: string[] = []
  return {
    calls,
    interfaces: () => ['br0', 'eth0', 'lo'],
    addresses: (i) => (i === 'br0' ? ['192.0.2.1/24'] : i === 'lo' ? ['127.0.0.1/8'] : []),
    isRoot: () => true,
    missingPackages: async () => [],
    portState: async (): Promise<PortState> => 'free',
    systemdIsInit: () => false,
    unitActive: async () => false,
    isTty: () => false,
    ask: async () => false,
    exec: async (cmd, args) => { calls.push([cmd, ...args].join(' ')) },
    probeDhcp: async () => ({servers: []}),
    ...over,
  }
}

async function failsWith(p: Promise<unknown>, kind: typeof InputError | typeof EnvironmentError, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: Error & {exitCode?: number}) => {
    assert.ok(err instanceof kind, `expected ${kind.name}, got ${err.name}: ${err.message}`)
    assert.match(err.message, pattern)
    return true
  })
}

const base = (dataDir: string) => ({dataDir, systemd: false, yes: true, interface: 'br0', address: '192.0.2.1/24'})

describe('install preflight changes nothing on failure', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['missing interface', {interface: 'nope0'}, /--interface: no interface "nope0" on this machine \(interfaces: br0, eth0, lo\)/],
    ['address not on the interface', {address: '192.0.2.9/24'}, /--address: 192\.0\.2\.9 is not on interface br0 \(it has: 192\.0\.2\.1\/24\).*ip addr add 192\.0\.2\.9\/24 dev br0/],
    ['range outside the subnet', {dhcpRange: '192.0.3.10-192.0.3.20', mode: 'dynamic'}, /--dhcp-range: 192\.0\.3\.10 is outside the provisioning subnet 192\.0\.2\.0\/24/],
    ['range covering the manager', {dhcpRange: '192.0.2.1-192.0.2.50'}, /covers the manager's own address 192\.0\.2\.1/],
    ['dynamic without a range', {mode: 'dynamic'}, /--dhcp-range: dynamic mode hands out addresses from a range/],
    ['unknown mode', {mode: 'sometimes'}, /--mode: "sometimes" is not one of/],
    ['address without prefix', {address: '192.0.2.1'}, /--address: "192\.0\.2\.1" needs a prefix length/],
  ]
  for (const [name, flags, pattern] of cases) {
    test(`${name} → exit 2, data dir untouched`, async () => {
      const dataDir = join(tempDir('bmpctl-install-'), 'data')
      const sys = fakeSystem()
      await failsWith(install({...base(dataDir), ...flags, system: sys}), InputError, pattern)
      assert.equal(existsSync(dataDir), false)
      assert.deepEqual(sys.calls, [])
    })
  }

  test('busy ports → exit 3 naming each port and service', async () => {
    const dataDir = join(tempDir('bmpctl-install-'), 'data')
    const sys = fakeSystem({portState: async (proto, port) => (port === 67 || port === 8080 ? 'in-use' : 'free')})
    const p = install({...base(dataDir), system: sys})
    await failsWith(p, EnvironmentError, /ports in use: 67\/udp \(DHCP\), 8080\/tcp \(HTTP\)/)
    await p.catch((e: EnvironmentError) => assert.equal(e.exitCode, ExitCode.Environment))
    assert.equal(existsSync(dataDir), false)
  })

  test('missing packages without --yes and no terminal → refused with a hint to pass --yes', async () => {
    const dataDir = join(tempDir('bmpctl-install-'), 'data')
    const sys = fakeSystem({missingPackages: async () => ['ipxe', 'zstd']})
    await failsWith(install({...base(dataDir), yes: false, system: sys}), EnvironmentError, /missing packages: ipxe, zstd/)
    assert.equal(existsSync(dataDir), false)
    assert.deepEqual(sys.calls, [])
  })

  test('a foreign DHCP server fails dynamic mode and is only a note in proxy mode', async () => {
    const dataDir = join(tempDir('bmpctl-install-'), 'data')
    const sys = fakeSystem({probeDhcp: async () => ({servers: ['192.0.2.254']})})
    await failsWith(install({...base(dataDir), mode: 'dynamic', dhcpRange: '192.0.2.100-192.0.2.199', system: sys}), EnvironmentError, /another DHCP server \(192\.0\.2\.254\).*/)
    assert.equal(existsSync(dataDir), false)
    const proxy = await preflight({...base(dataDir), mode: 'proxy'}, sys)
    assert.deepEqual(proxy.foreignDhcp, ['192.0.2.254'])
    assert.match(proxy.notes.join('\n'), /DHCP server 192\.0\.2\.254 answers on this segment \(expected in proxy mode\)/)
    const reservations = await preflight(base(dataDir), sys)
    assert.match(reservations.notes.join('\n'), /consider --mode proxy/)
  })
})

describe('install file steps are idempotent', () => {
  function fakeIpxe(): string {
    const dir = tempDir('bmpctl-ipxe-')
    for (const f of ['undionly.kpxe', 'snponly.efi', 'ipxe.efi']) writeFileSync(join(dir, f), `loader ${f}`)
    return dir
  }

  test('tftp and http roots: changed, then unchanged, then changed again when a loader changes', () => {
    const ipxe = fakeIpxe()
    const root = tempDir('bmpctl-roots-')
    assert.equal(layTftpRoot(join(root, 'tftp'), ipxe).status, 'changed')
    assert.equal(layHttpRoot(join(root, 'http'), ipxe).status, 'changed')
    assert.deepEqual(readdirSync(join(root, 'tftp')).sort(), ['ipxe.efi', 'snponly.efi', 'undionly.kpxe'])
    assert.deepEqual(readdirSync(join(root, 'http')).sort(), ['images', 'ipxe.efi', 'liveos'])
    assert.equal(layTftpRoot(join(root, 'tftp'), ipxe).status, 'unchanged')
    assert.equal(layHttpRoot(join(root, 'http'), ipxe).status, 'unchanged')
    writeFileSync(join(ipxe, 'snponly.efi'), 'a newer loader')
    assert.deepEqual(layTftpRoot(join(root, 'tftp'), ipxe), {step: 'tftp root', status: 'changed', detail: 'wrote: snponly.efi'})
  })

  test('config file compared by content; ssh key created once with mode 0600', async () => {
    const dir = tempDir('bmpctl-cfg-')
    assert.equal(writeConfigFile(join(dir, 'config.yaml'), 'address: 192.0.2.1/24\n').status, 'changed')
    assert.equal(writeConfigFile(join(dir, 'config.yaml'), 'address: 192.0.2.1/24\n').status, 'unchanged')
    assert.equal(writeConfigFile(join(dir, 'config.yaml'), 'address: 192.0.2.2/24\n').status, 'changed')
    const run = async (cmd: string, args: string[]) => { const {execFileSync} = await import('node:child_process'); execFileSync(cmd, args) }
    const key = join(dir, 'ssh', 'id_ed25519')
    assert.equal((await ensureSshKey(key, run)).status, 'changed')
    assert.equal(statSync(key).mode & 0o777, 0o600)
    assert.equal(statSync(join(dir, 'ssh')).mode & 0o777, 0o700)
    assert.equal((await ensureSshKey(key, run)).status, 'unchanged')
  })

  test('systemd unit runs serve with this node and the data dir', () => {
    const unit = renderUnit({node: '/usr/bin/node', bin: '/opt/bmpctl/bin/run.js', dataDir: '/var/lib/bmpctl'})
    assert.match(unit, /^ExecStart=\/usr\/bin\/node \/opt\/bmpctl\/bin\/run\.js serve --data-dir \/var\/lib\/bmpctl$/m)
    assert.match(unit, /^WantedBy=multi-user\.target$/m)
  })
})
