import assert from 'node:assert/strict'
import {chmodSync, existsSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {openStore} from '../../src/state/store.js'
import {needsCommands, needsRoot, skipUnless, tempDir} from '../support/env.js'
import {createLabNet, type LabNet} from '../support/lab-net.js'
import {createNamespace, link, nsExec, nsSpawn, stop, uniqueName, waitForOutput} from '../support/netns.js'
import {bmpctl, enrollNode, installArgs, startServeProcess, type ServeProcess} from './serve-lab.js'

/** `bmpctl install` then `bmpctl serve` in a lab namespace, with real clients on its bridge. */
const skip = skipUnless(needsRoot(), needsCommands('udhcpc', 'curl', 'ssh-keygen', 'dnsmasq'))

/** A client namespace whose eth0 is plugged into the lab bridge. */
function addClient(lab: LabNet, mac: string): string {
  const ns = createNamespace('cl')
  const port = uniqueName('lp')
  link({ns: lab.ns, ifname: port, cidr: ''}, {ns, ifname: 'eth0', cidr: ''})
  nsExec(lab.ns, ['ip', 'link', 'set', port, 'master', 'br0'])
  nsExec(ns, ['ip', 'link', 'set', 'eth0', 'down'])
  nsExec(ns, ['ip', 'link', 'set', 'eth0', 'address', mac])
  nsExec(ns, ['ip', 'link', 'set', 'eth0', 'up'])
  return ns
}

describe('bmpctl install + serve in a lab namespace', {skip, timeout: 300_000}, () => {
  const dataDir = tempDir('bmpctl-serve-it-')
  let lab: LabNet | undefined
  let serve: ServeProcess | undefined

  before(() => { lab = createLabNet('sv') })
  after(async () => {
    if (serve) await stop(serve.child)
    lab?.destroy()
  })

  test('install refuses a missing interface with exit 2, naming the interfaces, writing nothing', () => {
    const dir = join(tempDir('bmpctl-serve-bad-'), 'data')
    const r = bmpctl(lab!.ns, ['install', '--data-dir', dir, '--interface', 'eth9', '--no-systemd', '--yes'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /--interface: no interface "eth9" on this machine \(interfaces: br0, lo\)/)
    assert.equal(existsSync(dir), false)
  })

  test('install lays out the data dir; a second identical run changes nothing', () => {
    const first = bmpctl(lab!.ns, installArgs(dataDir))
    assert.equal(first.code, 0, first.stderr)
    assert.match(first.stderr, /✓ tftp root\s+changed/)
    assert.deepEqual(readdirSync(join(dataDir, 'tftp')).sort(), ['ipxe.efi', 'snponly.efi', 'undionly.kpxe'])
    assert.ok(existsSync(join(dataDir, 'http', 'liveos', 'initrd.img')))
    assert.match(readFileSync(join(dataDir, 'ssh', 'id_ed25519.pub'), 'utf8'), /^ssh-ed25519 /)
    assert.match(readFileSync(join(dataDir, 'config.yaml'), 'utf8'), /^address: 192\.0\.2\.1\/24$/m)
    const second = bmpctl(lab!.ns, [...installArgs(dataDir), '--json'])
    assert.equal(second.code, 0, second.stderr)
    const report = JSON.parse(second.stdout) as {steps: {step: string; status: string}[]; changed: boolean}
    assert.equal(report.changed, false)
    assert.deepEqual(report.steps.filter((s) => s.status !== 'unchanged').map((s) => `${s.step}:${s.status}`), ['systemd unit:skipped'])
  })

  test('serve refuses a busy port with exit 3 naming the service and port', async () => {
    const holder = nsSpawn(lab!.ns, ['node', '-e', "require('net').createServer().listen(8080, () => console.log('HOLDING'))"])
    try {
      await waitForOutput(holder, /HOLDING/, 10_000)
      const r = bmpctl(lab!.ns, ['serve', '--data-dir', dataDir], 60_000)
      assert.equal(r.code, 3, r.stderr)
      assert.match(r.stderr, /error: HTTP port 8080: .*EADDRINUSE/)
    } finally {
      await stop(holder)
    }
  })

  test('serve answers /healthz and reports its three services', async () => {
    serve = await startServeProcess(lab!.ns, dataDir)
    const health = JSON.parse(nsExec(lab!.ns, ['curl', '-sf', 'http://192.0.2.1:8080/healthz'])) as {status: string; services: {name: string; state: string}[]}
    assert.equal(health.status, 'ok')
    assert.deepEqual(health.services.map((s) => `${s.name}:${s.state}`), ['dhcp:running', 'tftp:running', 'http:running'])
    const status = JSON.parse(nsExec(lab!.ns, ['curl', '-sf', 'http://192.0.2.1:8080/v1/status'])) as {services: {name: string; state: string; port: number}[]}
    assert.deepEqual(status.services.map((s) => `${s.name}:${s.state}:${s.port}`), ['dhcp:running:67', 'tftp:running:69', 'http:running:8080'])
  })

  test('udhcpc on an enrolled MAC gets the node address from our DHCP; a lease and events land in the store', async () => {
    const mac = '52:54:00:5e:00:21'
    enrollNode(dataDir, 'sv1', mac, '192.0.2.21/24')
    const ns = addClient(lab!, mac)
    const script = join(dataDir, 'udhcpc.sh')
    writeFileSync(script, `#!/bin/sh\nenv > "${dataDir}/udhcpc.$1"\n`)
    chmodSync(script, 0o755)
    const child = nsSpawn(ns, ['udhcpc', '-i', 'eth0', '-q', '-n', '-f', '-t', '5', '-T', '2', '-s', script])
    const code = await new Promise<number | null>((res) => child.once('exit', res))
    assert.equal(code, 0, 'udhcpc should get a lease')
    const env = Object.fromEntries(readFileSync(join(dataDir, 'udhcpc.bound'), 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
    assert.equal(env.ip, '192.0.2.21')
    assert.equal(env.serverid, '192.0.2.1')
    assert.equal(env.hostname, 'sv1')
    const store = openStore(dataDir)
    try {
      assert.equal(store.getLease(mac)?.ip, '192.0.2.21')
      const kinds = store.events('sv1').map((e) => e.kind)
      assert.ok(kinds.indexOf('dhcp.discover') < kinds.indexOf('dhcp.ack') && kinds.includes('dhcp.offer'), kinds.join(' '))
    } finally {
      store.close()
    }
  })

  test('SIGTERM → serve closes everything and exits 0', async () => {
    assert.equal(await stop(serve!.child, 'SIGTERM', 10_000), 0)
    assert.match(serve!.output(), /"msg":"serve: stopped"/)
    serve = undefined
  })

  test('install sees a foreign DHCP server on the segment and suggests proxy mode', async () => {
    const ns = addClient(lab!, '52:54:00:5e:00:99')
    nsExec(ns, ['ip', 'addr', 'add', '192.0.2.254/24', 'dev', 'eth0'])
    const dns = nsSpawn(ns, ['dnsmasq', '-d', '--port=0', '--conf-file=/dev/null', '--user=root', '--interface=eth0', '--bind-interfaces',
      '--dhcp-range=192.0.2.200,192.0.2.220,255.255.255.0,1h', `--dhcp-leasefile=${join(dataDir, 'foreign.leases')}`, `--pid-file=${join(dataDir, 'foreign.pid')}`])
    try {
      await waitForOutput(dns, /started|DHCP, IP range/, 10_000)
      const r = bmpctl(lab!.ns, installArgs(dataDir))
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stderr, /note: another DHCP server \(192\.0\.2\.254\) answers on this segment; .*consider --mode proxy/)
      const dyn = bmpctl(lab!.ns, installArgs(dataDir, ['--mode', 'dynamic', '--dhcp-range', '192.0.2.100-192.0.2.150']))
      assert.equal(dyn.code, 3)
      assert.match(dyn.stderr, /another DHCP server \(192\.0\.2\.254\)/)
      assert.match(readFileSync(join(dataDir, 'config.yaml'), 'utf8'), /^  mode: reservations /m, 'the refused run left config.yaml as it was')
    } finally {
      await stop(dns)
    }
  })
})
