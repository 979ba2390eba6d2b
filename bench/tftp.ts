/**
 * TFTP throughput, bmpctl vs tftpd-hpa vs dnsmasq, on loopback (as root).
 * Run: node --import tsx bench/tftp.ts [seconds-per-run] [repeats] — each cell is the best of the repeats.
 * curl is the client (blksize 512/1468/8192; 1 and 20 concurrent); windowsize 16 uses the
 * bmpctl client against bmpctl only (tftpd-hpa and dnsmasq lack RFC 7440). dnsmasq cannot
 * listen for TFTP on a port other than 69, so it runs in its own network namespace.
 * Each run is bounded by curl --max-time; MB/s = bytes received / wall time.
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {randomBytes} from 'node:crypto'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createNamespace, nsSpawn, stop} from '../test/support/netns.js'

const SECONDS = Number(process.argv[2] ?? 10)
const SIZE = 64 * 1024 * 1024
const BLKSIZES = [512, 1468, 8192]
const CONCURRENCY = [1, 20]
const REPEATS = Number(process.argv[3] ?? 2)

const children: ChildProcess[] = []
const dir = mkdtempSync(join(tmpdir(), 'bmp-bench-tftp-'))
const root = join(dir, 'root')
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.pid) try { process.kill(-c.pid, 'SIGKILL') } catch { /* gone */ }
  rmSync(dir, {recursive: true, force: true})
})

interface Peer { name: string; port: number; prefix: string[] }

function waitFor(child: ChildProcess, re: RegExp, what: string): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buf = ''
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${buf}`)), 15000)
    const on = (d: Buffer) => { buf += d; const m = buf.match(re); if (m) { clearTimeout(timer); resolve(m) } }
    child.stdout?.on('data', on)
    child.stderr?.on('data', on)
  })
}

function track(c: ChildProcess): ChildProcess { children.push(c); return c }

async function startBmpctl(): Promise<Peer> {
  const c = track(spawn('node', ['--import', 'tsx', 'bench/tftp.server.ts', root, '0'], {detached: true, stdio: ['ignore', 'pipe', 'pipe']}))
  const m = await waitFor(c, /READY (\d+)/, 'bmpctl')
  return {name: 'bmpctl', port: Number(m[1]), prefix: []}
}

async function startTftpdHpa(): Promise<Peer> {
  const port = 30000 + Math.floor(Math.random() * 20000)
  track(spawn('in.tftpd', ['-L', '-s', root, '-a', `127.0.0.1:${port}`], {detached: true, stdio: 'ignore'}))
  await new Promise((r) => setTimeout(r, 500))
  return {name: 'tftpd-hpa', port, prefix: []}
}

async function startDnsmasq(): Promise<Peer> {
  const ns = createNamespace('bt')
  const c = nsSpawn(ns, ['dnsmasq', '--keep-in-foreground', '--conf-file=/dev/null', '--port=0', '--enable-tftp', `--tftp-root=${root}`,
    '--tftp-max=200', '--listen-address=127.0.0.1', '--bind-interfaces', '--log-facility=-', '--pid-file='])
  track(c)
  await new Promise((r) => setTimeout(r, 1000))
  return {name: 'dnsmasq', port: 69, prefix: ['ip', 'netns', 'exec', ns]}
}

/** n concurrent curl downloads; returns aggregate MB/s (10^6 bytes). */
async function curlRun(p: Peer, blksize: number, n: number): Promise<number> {
  const argv = [...p.prefix, 'curl', '-s', '--tftp-blksize', String(blksize), '--max-time', String(SECONDS), '-o', '/dev/null', '-w', '%{size_download}', `tftp://127.0.0.1:${p.port}/img`]
  const t0 = process.hrtime.bigint()
  const sizes = await Promise.all(Array.from({length: n}, () => new Promise<number>((resolve) => {
    const c = track(spawn(argv[0], argv.slice(1), {stdio: ['ignore', 'pipe', 'ignore']}))
    let out = ''
    c.stdout!.on('data', (d) => (out += d))
    c.on('exit', () => resolve(Number(out) || 0))
  })))
  const secs = Number(process.hrtime.bigint() - t0) / 1e9
  return sizes.reduce((a, b) => a + b, 0) / secs / 1e6
}

async function windowRun(port: number, blksize: number, windowsize: number): Promise<number> {
  const out = execFileSync('node', ['--import', 'tsx', 'bench/tftp.client.ts', String(port), 'img', String(blksize), String(windowsize)], {encoding: 'utf8', timeout: (SECONDS + 30) * 1000})
  const [bytes, secs] = out.trim().split(' ').map(Number)
  return bytes / secs / 1e6
}

const fmt = (n: number) => n.toFixed(1)

async function main() {
  if (process.getuid?.() !== 0) throw new Error('run as root (dnsmasq needs a network namespace)')
  execFileSync('mkdir', ['-p', root])
  chmodSync(dir, 0o755) // tftpd-hpa and dnsmasq drop privileges before reading
  writeFileSync(join(root, 'img'), randomBytes(SIZE))
  const peers = [await startBmpctl(), await startTftpdHpa(), await startDnsmasq()]
  const runs = new Map<string, number[]>()
  const record = (key: string, mbs: number) => { runs.set(key, [...(runs.get(key) ?? []), mbs]); console.error(`${key}: ${fmt(mbs)} MB/s`) }
  const best = (key: string) => Math.max(...runs.get(key)!)
  const bmp = peers[0]
  // Best of REPEATS, interleaved across peers (windowsize runs too): the machine may be shared with other work.
  for (let rep = 0; rep < REPEATS; rep++) {
    for (const n of CONCURRENCY) for (const b of BLKSIZES) for (const p of peers) record(`${p.name}/${b}/${n}`, await curlRun(p, b, n))
    for (const b of BLKSIZES) record(`bmpctl-ws16/${b}/1`, await windowRun(bmp.port, b, 16))
  }
  console.log(`\n64 MiB file, loopback, ${SECONDS} s cap per run, best of ${REPEATS}, MB/s (10^6 B/s) aggregate over clients; curl client unless noted.\n`)
  console.log('| clients | blksize | bmpctl | tftpd-hpa | dnsmasq | bmpctl ÷ tftpd-hpa | bmpctl ÷ dnsmasq |')
  console.log('|---:|---:|---:|---:|---:|---:|---:|')
  for (const n of CONCURRENCY) for (const b of BLKSIZES) {
    const [x, h, d] = ['bmpctl', 'tftpd-hpa', 'dnsmasq'].map((p) => best(`${p}/${b}/${n}`))
    console.log(`| ${n} | ${b} | ${fmt(x)} | ${fmt(h)} | ${fmt(d)} | ${(x / h).toFixed(2)}× | ${(x / d).toFixed(2)}× |`)
  }
  console.log('\n| blksize | bmpctl windowsize 16 (own client) | tftpd-hpa best, 1 client | ratio |')
  console.log('|---:|---:|---:|---:|')
  for (const b of BLKSIZES) {
    const [w, h] = [best(`bmpctl-ws16/${b}/1`), best(`tftpd-hpa/${b}/1`)]
    console.log(`| ${b} | ${fmt(w)} | ${fmt(h)} | ${(w / h).toFixed(2)}× |`)
  }
  console.log('\nEvery run (MB/s), to show the spread on a shared machine:\n')
  for (const [key, v] of runs) console.log(`- ${key}: ${v.map(fmt).join(', ')}`)
  for (const c of children) if (c.exitCode === null) await stop(c)
}

await main()
process.exit(0)
