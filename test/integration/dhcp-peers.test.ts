import {test, describe, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {fileURLToPath} from 'node:url'
import {needsCommands, needsRoot, skipUnless, tempDir} from '../support/env.js'
import {nsSpawn} from '../support/netns.js'
import {DhcpLab, SERVER_IP, type Fixture} from '../support/dhcp-lab.js'
import {runPerfdhcp} from '../support/dhcp-perfdhcp.js'

const skip = skipUnless(needsRoot(), needsCommands('ip', 'perfdhcp'))
const base = {
  serverIp: SERVER_IP, subnet: '192.0.2.0/24', leaseTimeSec: 600, routers: ['192.0.2.254'], dns: ['192.0.2.53'],
  httpBase: 'http://192.0.2.1:8080', bootFiles: {bios: 'undionly.kpxe', efi64: 'snponly.efi'}, autoDiscover: true,
}
const PERF_MAC = '52:54:00:aa:00:01'
const RELAY_MAC = '52:54:00:aa:00:02'

function support(name: string): string {
  return fileURLToPath(new URL(`../support/${name}`, import.meta.url))
}

/** Runs a support script in a namespace and returns its stdout. */
async function runScript(ns: string, script: string, args: string[]): Promise<{code: number | null; out: string}> {
  const child = nsSpawn(ns, [process.execPath, '--import', 'tsx', support(script), ...args], {cwd: process.cwd()})
  let out = ''
  child.stdout?.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr?.on('data', (d: Buffer) => { out += d.toString() })
  const code = await new Promise<number | null>((res) => child.once('exit', res))
  return {code, out}
}

describe('reservations mode: relay and perfdhcp', {skip}, () => {
  let lab: DhcpLab
  let server: Fixture
  const dir = tempDir('bmpctl-dhcp-')

  before(async () => {
    lab = new DhcpLab()
    server = await lab.startServer({config: {...base, mode: 'reservations'}, reservations: {
      [PERF_MAC]: {ip: '192.0.2.31', hostname: 'perf'},
      [RELAY_MAC]: {ip: '192.0.2.32'},
    }}, dir)
  })
  after(async () => { await server?.stop(); lab?.destroy() })

  test('a relayed DISCOVER is answered to the relay on port 67 with option 82 echoed', async () => {
    const relay = lab.addClient('192.0.2.2/24', 'drel')
    const opt82 = '0106000400010005020309090a'
    const {code, out} = await runScript(relay.ns, 'dhcp-relay-probe.ts', [SERVER_IP, '192.0.2.2', RELAY_MAC, opt82])
    assert.equal(code, 0, out)
    const reply = JSON.parse(out.trim().split('\n').at(-1)!)
    assert.equal(reply.op, 2)
    assert.equal(reply.type, 2)
    assert.equal(reply.xid, 0x5eed)
    assert.equal(reply.from, SERVER_IP)
    assert.equal(reply.giaddr, '192.0.2.2')
    assert.equal(reply.yiaddr, '192.0.2.32')
    assert.equal(reply.option82, opt82)
    assert.equal(reply.file, 'snponly.efi')
  })

  test('perfdhcp with option 93 = 0 and = 7 gets the BIOS and the UEFI loader', async () => {
    const client = lab.addClient('192.0.2.10/24')
    for (const [arch, file] of [['0000', 'undionly.kpxe'], ['0007', 'snponly.efi']]) {
      const before = server.records('EVENT').length
      const r = await runPerfdhcp(client.ns, ['-l', 'eth0', '-R', '1', '-b', `mac=${PERF_MAC}`, '-r', '5', '-n', '3', '-W', '2000000', '-o', `93,${arch}`, SERVER_IP])
      // perfdhcp may stop counting before the last reply lands; the server's log is exact
      assert.ok((r.requestAck?.received ?? 0) >= 1, r.output)
      await new Promise((res) => setTimeout(res, 200))
      const acks = server.records<{mac: string; kind: string; data: {bootFile: string; arch: number; ip: string}}>('EVENT').slice(before).filter((e) => e.kind === 'dhcp.ack')
      assert.equal(acks.length, r.requestAck?.sent)
      for (const e of acks) {
        assert.equal(e.mac, PERF_MAC)
        assert.equal(e.data.bootFile, file)
        assert.equal(e.data.arch, parseInt(arch, 16))
        assert.equal(e.data.ip, '192.0.2.31')
      }
    }
  })

  test('perfdhcp with unknown MACs gets nothing in reservations mode', async () => {
    const client = lab.addClient('192.0.2.11/24')
    const r = await runPerfdhcp(client.ns, ['-l', 'eth0', '-R', '20', '-b', 'mac=02:00:00:00:10:00', '-r', '20', '-n', '20', '-W', '500000', SERVER_IP])
    assert.equal(r.discoverOffer?.sent, 20, r.output)
    assert.equal(r.discoverOffer?.received, 0, r.output)
  })
})

describe('dynamic mode: perfdhcp leases', {skip}, () => {
  let lab: DhcpLab
  let server: Fixture
  const dir = tempDir('bmpctl-dhcp-')

  before(async () => {
    lab = new DhcpLab()
    server = await lab.startServer({config: {...base, mode: 'dynamic', range: {start: '192.0.2.100', end: '192.0.2.199'}}}, dir)
  })
  after(async () => { await server?.stop(); lab?.destroy() })

  test('30 simulated clients each get their own lease from the range', async () => {
    const client = lab.addClient('192.0.2.10/24')
    const r = await runPerfdhcp(client.ns, ['-l', 'eth0', '-R', '30', '-r', '30', '-n', '30', '-W', '1000000', SERVER_IP])
    // perfdhcp may start one exchange more than -n and may pick a MAC twice
    assert.ok((r.requestAck?.sent ?? 0) >= 30, r.output)
    assert.equal(r.requestAck?.received, r.requestAck?.sent, r.output)
    assert.match(r.output, /non unique addresses: 0/)
    await new Promise((res) => setTimeout(res, 200))
    const leases = server.records<{mac: string; ip: string}>('LEASE')
    assert.equal(leases.length, r.requestAck?.sent)
    const byMac = new Map<string, Set<string>>()
    for (const l of leases) byMac.set(l.mac, (byMac.get(l.mac) ?? new Set()).add(l.ip))
    assert.ok(byMac.size >= 20 && byMac.size <= 30, `clients: ${byMac.size}`)
    for (const [mac, ips] of byMac) assert.equal(ips.size, 1, `${mac} got ${[...ips]}`)
    const ips = new Set(leases.map((l) => l.ip))
    assert.equal(ips.size, byMac.size, 'each client its own address')
    for (const ip of ips) {
      const last = Number(ip.split('.')[3])
      assert.ok(last >= 100 && last <= 199, ip)
    }
  })
})

describe('robustness: the running server survives 100k random and mutated datagrams', {skip: skipUnless(skip, needsCommands('udhcpc'))}, () => {
  let lab: DhcpLab
  let server: Fixture
  const dir = tempDir('bmpctl-dhcp-')

  before(async () => {
    lab = new DhcpLab()
    server = await lab.startServer({config: {...base, mode: 'reservations'}, reservations: {
      '52:54:00:f0:00:01': {ip: '192.0.2.41'},
      [PERF_MAC]: {ip: '192.0.2.42'},
    }, quiet: true}, dir)
  })
  after(async () => { await server?.stop(); lab?.destroy() })

  test('after the barrage, perfdhcp still gets its lease', async () => {
    const fuzzer = lab.addClient('192.0.2.3/24', 'dfuz')
    const {code, out} = await runScript(fuzzer.ns, 'dhcp-fuzz-sender.ts', [SERVER_IP, '100000', '7', '52:54:00:f0:00:01,02:00:00:00:00:09'])
    assert.equal(code, 0, out)
    assert.match(out, /SENT 100000/)
    // replies to fuzzed relay/ciaddr destinations that never answer ARP drain first
    let stats = await server.stats()
    for (let i = 0; i < 120 && stats.sendQueue > 0; i++) {
      await new Promise((res) => setTimeout(res, 500))
      stats = await server.stats()
    }
    assert.ok(server.alive, 'server process must still run')
    assert.ok(stats.received > 1000 && stats.malformed > 100 && stats.replied > 0, JSON.stringify(stats))
    const client = lab.addClient('192.0.2.12/24')
    const r = await runPerfdhcp(client.ns, ['-l', 'eth0', '-R', '1', '-b', `mac=${PERF_MAC}`, '-r', '5', '-n', '3', '-W', '2000000', SERVER_IP])
    assert.ok((r.requestAck?.received ?? 0) >= 1, r.output)
  })
})
