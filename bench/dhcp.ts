/**
 * DHCP lease throughput, bmpctl (dynamic mode) vs Kea (memfile, LFC off) vs dnsmasq, as root.
 * Run: node --import tsx bench/dhcp.ts [seconds-per-step] [clients] [rounds]
 * Every server runs in the same fresh server namespace (bridge 192.0.2.1/24) with a
 * persistent lease file; perfdhcp runs in a client namespace as a relay (giaddr
 * 192.0.2.10) and climbs a rate ladder of 4-way exchanges (DORA). A server's score is the
 * best achieved rate whose drops stay under 1 % over all rounds (peers alternate within a
 * round, so a noisy neighbour on a shared machine hits all of them). Torn down at exit.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {ChildProcess} from 'node:child_process'
import {DhcpLab, SERVER_IP} from '../test/support/dhcp-lab.js'
import {runPerfdhcp, type PerfdhcpReport} from '../test/support/dhcp-perfdhcp.js'
import {nsSpawn, stop} from '../test/support/netns.js'

const SECONDS = Number(process.argv[2] ?? 5)
const CLIENTS = Number(process.argv[3] ?? 200)
const ROUNDS = Number(process.argv[4] ?? 2)
const RATES = [250, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000, 6000, 8000, 10000, 12000]
const POOL = {start: '192.0.2.10', end: '192.0.2.250'}
const dir = mkdtempSync(join(tmpdir(), 'bmp-bench-dhcp-'))
process.on('exit', () => rmSync(dir, {recursive: true, force: true}))

interface Started { stop(): Promise<void> }
interface Peer { name: string; start(lab: DhcpLab): Promise<Started> }

const processStopper = (child: ChildProcess): Started => ({stop: async () => { await stop(child) }})

const bmpctl: Peer = {
  name: 'bmpctl',
  async start(lab) {
    const f = await lab.startServer({
      config: {serverIp: SERVER_IP, subnet: '192.0.2.0/24', mode: 'dynamic', range: POOL, leaseTimeSec: 3600,
        routers: ['192.0.2.254'], httpBase: 'http://192.0.2.1:8080', autoDiscover: false},
      leaseFile: join(dir, 'bmpctl-leases.jsonl'), quiet: true,
    }, dir)
    return f
  },
}

const kea: Peer = {
  name: 'kea-dhcp4',
  async start(lab) {
    const conf = join(dir, 'kea.json')
    writeFileSync(conf, JSON.stringify({Dhcp4: {
      'interfaces-config': {interfaces: ['br0'], 'dhcp-socket-type': 'udp'},
      'lease-database': {type: 'memfile', persist: true, name: join(dir, 'kea-leases4.csv'), 'lfc-interval': 0},
      'valid-lifetime': 3600,
      'boot-file-name': 'undionly.kpxe', 'next-server': SERVER_IP,
      subnet4: [{id: 1, subnet: '192.0.2.0/24', pools: [{pool: `${POOL.start} - ${POOL.end}`}], 'option-data': [{name: 'routers', data: '192.0.2.254'}]}],
      loggers: [{name: 'kea-dhcp4', severity: 'WARN', output_options: [{output: 'stderr'}]}],
    }}))
    const child = nsSpawn(lab.serverNs, ['kea-dhcp4', '-c', conf], {env: {...process.env, KEA_PIDFILE_DIR: dir, KEA_LOCKFILE_DIR: dir}})
    return processStopper(child)
  },
}

const dnsmasq: Peer = {
  name: 'dnsmasq',
  async start(lab) {
    const child = nsSpawn(lab.serverNs, ['dnsmasq', '--keep-in-foreground', '--conf-file=/dev/null', '--port=0', '--interface=br0',
      '--bind-interfaces', `--dhcp-range=${POOL.start},${POOL.end},1h`, `--dhcp-leasefile=${join(dir, 'dnsmasq.leases')}`,
      '--dhcp-authoritative', '--no-ping', '--dhcp-boot=undionly.kpxe', '--dhcp-option=3,192.0.2.254', '--pid-file=', '--log-facility=/dev/null'])
    return processStopper(child)
  },
}

interface Step { rate: number; achieved: number; drops: number }

function dropsPct(r: PerfdhcpReport): number {
  const sent = (r.discoverOffer?.sent ?? 0) + (r.requestAck?.sent ?? 0)
  const drops = (r.discoverOffer?.drops ?? 0) + (r.requestAck?.drops ?? 0)
  return sent ? (100 * drops) / sent : 100
}

async function ladder(lab: DhcpLab, clientNs: string): Promise<{best?: Step; steps: Step[]}> {
  const steps: Step[] = []
  for (const rate of RATES) {
    const r = await runPerfdhcp(clientNs, ['-l', 'eth0', '-R', String(CLIENTS), '-r', String(rate), '-p', String(SECONDS), '-W', '1000000', SERVER_IP], (SECONDS + 30) * 1000)
    // perfdhcp's own Rate line divides by the run plus the exit wait; count ACKs per second of sending instead
    const step = {rate, achieved: (r.requestAck?.received ?? 0) / SECONDS, drops: dropsPct(r)}
    steps.push(step)
    process.stderr.write(`  rate ${rate}: ${step.achieved.toFixed(0)}/s, drops ${step.drops.toFixed(2)} %\n`)
    // one noisy step does not end the climb; two failing steps in a row do
    if (step.drops >= 1 && (steps.at(-2)?.drops ?? 0) >= 1) break
  }
  const ok = steps.filter((s) => s.drops < 1)
  return {best: ok.sort((a, b) => b.achieved - a.achieved)[0], steps}
}

async function warmUp(clientNs: string): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    const r = await runPerfdhcp(clientNs, ['-l', 'eth0', '-R', '1', '-r', '5', '-n', '3', '-W', '1000000', SERVER_IP])
    if ((r.requestAck?.received ?? 0) > 0) return true
    await new Promise((res) => setTimeout(res, 500))
  }
  return false
}

const results: {name: string; best?: Step}[] = []
const record = (name: string, best?: Step) => {
  const r = results.find((x) => x.name === name)
  if (!r) results.push({name, best})
  else if (best && (!r.best || best.achieved > r.best.achieved)) r.best = best
}
const peers = [bmpctl, kea, dnsmasq]
for (let round = 0; round < ROUNDS; round++) for (const peer of round % 2 ? [...peers].reverse() : peers) {
  const lab = new DhcpLab()
  try {
    const client = lab.addClient('192.0.2.9/24')
    process.stderr.write(`${peer.name} (round ${round + 1}):\n`)
    const server = await peer.start(lab)
    try {
      if (!(await warmUp(client.ns))) throw new Error(`${peer.name} never answered`)
      const {best} = await ladder(lab, client.ns)
      record(peer.name, best)
    } finally {
      await server.stop()
    }
  } catch (err) {
    process.stderr.write(`  failed: ${String(err)}\n`)
    record(peer.name)
  } finally {
    lab.destroy()
  }
}

const score = (name: string) => results.find((r) => r.name === name)?.best?.achieved
const ratio = (a?: number, b?: number) => (a && b ? `${(a / b).toFixed(2)}×` : 'n/a')
console.log(`\nperfdhcp DORA, ${CLIENTS} clients, ${SECONDS} s per step, ${ROUNDS} rounds; best rate with < 1 % drops\n`)
console.log('| server | leases/s | drops % | at offered rate | vs kea | vs dnsmasq |')
console.log('|---|---:|---:|---:|---:|---:|')
for (const r of results) {
  const s = r.best
  console.log(`| ${r.name} | ${s ? s.achieved.toFixed(0) : 'n/a'} | ${s ? s.drops.toFixed(2) : 'n/a'} | ${s?.rate ?? 'n/a'} | ${ratio(s?.achieved, score('kea-dhcp4'))} | ${ratio(s?.achieved, score('dnsmasq'))} |`)
}
