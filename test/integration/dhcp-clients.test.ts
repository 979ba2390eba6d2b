import {test, describe, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {chmodSync, existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {needsCommands, needsRoot, skipUnless, tempDir} from '../support/env.js'
import {nsExec, nsSpawn, stop} from '../support/netns.js'
import {DhcpLab, type Fixture} from '../support/dhcp-lab.js'

const MAC_DHCLIENT = '52:54:00:0d:0c:01'
const MAC_UDHCPC = '52:54:00:0d:0c:02'

function readEnv(file: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const i = line.indexOf('=')
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1).replace(/^'(.*)'$/, '$1')
  }
  return env
}

async function waitForFile(file: string, timeoutMs = 30000): Promise<void> {
  for (const end = Date.now() + timeoutMs; Date.now() < end;) {
    if (existsSync(file)) { await new Promise((r) => setTimeout(r, 100)); return }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for ${file}`)
}

describe('real DHCP clients against our server', {skip: skipUnless(needsRoot(), needsCommands('ip', 'dhclient', 'udhcpc'))}, () => {
  let lab: DhcpLab
  let server: Fixture
  const dir = tempDir('bmpctl-dhcp-')

  before(async () => {
    lab = new DhcpLab()
    server = await lab.startServer({
      config: {
        serverIp: '192.0.2.1', subnet: '192.0.2.0/24', mode: 'reservations', leaseTimeSec: 600,
        routers: ['192.0.2.254'], dns: ['192.0.2.53'], domain: 'lab.example', httpBase: 'http://192.0.2.1:8080',
        bootFiles: {bios: 'undionly.kpxe', efi64: 'snponly.efi'}, autoDiscover: true,
      },
      reservations: {
        [MAC_DHCLIENT]: {ip: '192.0.2.21', hostname: 'node-a'},
        [MAC_UDHCPC]: {ip: '192.0.2.22', hostname: 'node-b', gateway: '192.0.2.250'},
      },
    }, dir)
  })

  after(async () => {
    await server?.stop()
    lab?.destroy()
  })

  test('dhclient gets its reserved address, router, DNS and boot file', async () => {
    const {ns, ifname} = lab.addClient()
    nsExec(ns, ['ip', 'link', 'set', ifname, 'address', MAC_DHCLIENT])
    const script = join(dir, 'dhclient-script.sh')
    writeFileSync(script, `#!/bin/sh\nenv > "${dir}/dhclient.$reason"\n`)
    chmodSync(script, 0o755)
    const conf = join(dir, 'dhclient.conf')
    writeFileSync(conf, 'request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers, host-name, bootfile-name;\n')
    const child = nsSpawn(ns, ['dhclient', '-d', '-1', '-v', '-cf', conf, '-lf', join(dir, 'dhclient.leases'), '-pf', join(dir, 'dhclient.pid'), '-sf', script, ifname])
    try {
      await waitForFile(join(dir, 'dhclient.BOUND'))
    } finally {
      await stop(child)
    }
    const env = readEnv(join(dir, 'dhclient.BOUND'))
    assert.equal(env.new_ip_address, '192.0.2.21')
    assert.equal(env.new_subnet_mask, '255.255.255.0')
    assert.equal(env.new_routers, '192.0.2.254')
    assert.equal(env.new_domain_name_servers, '192.0.2.53')
    assert.equal(env.new_domain_name, 'lab.example')
    assert.equal(env.new_host_name, 'node-a')
    assert.equal(env.new_filename, 'undionly.kpxe')
    assert.equal(env.new_bootfile_name, 'undionly.kpxe')
    assert.equal(env.new_dhcp_server_identifier, '192.0.2.1')
    const kinds = server.records<{mac: string; kind: string}>('EVENT').filter((e) => e.mac === MAC_DHCLIENT).map((e) => e.kind)
    assert.deepEqual(kinds.slice(0, 4), ['dhcp.discover', 'dhcp.offer', 'dhcp.request', 'dhcp.ack'])
    assert.ok(server.records<{mac: string; ip: string}>('LEASE').some((l) => l.mac === MAC_DHCLIENT && l.ip === '192.0.2.21'))
  })

  test('busybox udhcpc gets its reserved address, gateway, DNS and boot file', async () => {
    const {ns, ifname} = lab.addClient()
    nsExec(ns, ['ip', 'link', 'set', ifname, 'address', MAC_UDHCPC])
    const script = join(dir, 'udhcpc-script.sh')
    writeFileSync(script, `#!/bin/sh\nenv > "${dir}/udhcpc.$1"\n`)
    chmodSync(script, 0o755)
    const child = nsSpawn(ns, ['udhcpc', '-i', ifname, '-q', '-n', '-f', '-t', '5', '-T', '2', '-s', script])
    const code = await new Promise<number | null>((res) => child.once('exit', res))
    assert.equal(code, 0, 'udhcpc should exit 0 after getting a lease')
    const env = readEnv(join(dir, 'udhcpc.bound'))
    assert.equal(env.ip, '192.0.2.22')
    assert.equal(env.subnet, '255.255.255.0')
    assert.equal(env.router, '192.0.2.250')
    assert.equal(env.dns, '192.0.2.53')
    assert.equal(env.boot_file, 'undionly.kpxe')
    assert.equal(env.siaddr, '192.0.2.1')
    assert.equal(env.serverid, '192.0.2.1')
    assert.equal(env.hostname, 'node-b')
  })

  test('an unknown MAC gets no lease and is recorded as discovered', async () => {
    const {ns, ifname} = lab.addClient()
    nsExec(ns, ['ip', 'link', 'set', ifname, 'address', '52:54:00:0d:0c:99'])
    const script = join(dir, 'udhcpc-unknown.sh')
    writeFileSync(script, `#!/bin/sh\nenv > "${dir}/unknown.$1"\n`)
    chmodSync(script, 0o755)
    const child = nsSpawn(ns, ['udhcpc', '-i', ifname, '-q', '-n', '-f', '-t', '2', '-T', '1', '-s', script])
    const code = await new Promise<number | null>((res) => child.once('exit', res))
    assert.notEqual(code, 0)
    assert.equal(existsSync(join(dir, 'unknown.bound')), false)
    assert.ok(server.records<{mac: string}>('DISCOVERED').some((d) => d.mac === '52:54:00:0d:0c:99'))
  })
})
