/**
 * HTTP image-serving throughput, bmpctl vs nginx, on 127.0.0.1 high ports.
 * Run: node --import tsx bench/http.ts [seconds-per-run] [repeats]
 * A 1 GiB sparse image, curl clients (1 and 50 concurrent), each run capped with
 * --max-time; MB/s = bytes received / wall time; each cell is the best of the repeats.
 * nginx runs with its own config in a temp dir, once with 1 worker (like bmpctl's single
 * event loop) and once with `worker_processes auto`.
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

const SECONDS = Number(process.argv[2] ?? 10)
const REPEATS = Number(process.argv[3] ?? 2)
const SIZE = 1024 * 1024 * 1024
const CONCURRENCY = [1, 50]

const children: ChildProcess[] = []
const dir = mkdtempSync(join(tmpdir(), 'bmp-bench-http-'))
const root = join(dir, 'root')
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.pid) try { process.kill(-c.pid, 'SIGKILL') } catch { /* gone */ }
  rmSync(dir, {recursive: true, force: true})
})
const track = (c: ChildProcess) => (children.push(c), c)
const freePort = () => 30000 + Math.floor(Math.random() * 20000)

interface Peer { name: string; port: number }

function waitFor(child: ChildProcess, re: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buf = ''
    const timer = setTimeout(() => reject(new Error(`server did not start: ${buf}`)), 15000)
    child.stdout?.on('data', (d) => { buf += d; const m = buf.match(re); if (m) { clearTimeout(timer); resolve(m) } })
  })
}

async function startBmpctl(): Promise<Peer> {
  const c = track(spawn('node', ['--import', 'tsx', 'bench/http.server.ts', root, '0'], {detached: true, stdio: ['ignore', 'pipe', 'inherit']}))
  return {name: 'bmpctl', port: Number((await waitFor(c, /READY (\d+)/))[1])}
}

async function startNginx(workers: string): Promise<Peer> {
  const port = freePort()
  const d = join(dir, `nginx-${workers}`)
  mkdirSync(d)
  const conf = join(d, 'nginx.conf')
  writeFileSync(conf, `worker_processes ${workers};
pid ${d}/nginx.pid;
error_log ${d}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path ${d}/body; proxy_temp_path ${d}/proxy; fastcgi_temp_path ${d}/fcgi; uwsgi_temp_path ${d}/uwsgi; scgi_temp_path ${d}/scgi;
  server { listen 127.0.0.1:${port}; root ${root}; }
}
`)
  track(spawn('nginx', ['-c', conf, '-g', 'daemon off;'], {detached: true, stdio: 'ignore'}))
  await new Promise((r) => setTimeout(r, 800))
  return {name: `nginx (${workers} worker${workers === '1' ? '' : 's'})`, port}
}

async function curlRun(p: Peer, n: number): Promise<number> {
  const argv = ['-s', '--max-time', String(SECONDS), '-o', '/dev/null', '-w', '%{size_download}', `http://127.0.0.1:${p.port}/disk.img`]
  const t0 = process.hrtime.bigint()
  const sizes = await Promise.all(Array.from({length: n}, () => new Promise<number>((resolve) => {
    const c = track(spawn('curl', argv, {stdio: ['ignore', 'pipe', 'ignore']}))
    let out = ''
    c.stdout!.on('data', (d) => (out += d))
    c.on('exit', () => resolve(Number(out) || 0))
  })))
  return sizes.reduce((a, b) => a + b, 0) / (Number(process.hrtime.bigint() - t0) / 1e9) / 1e6
}

async function main() {
  execFileSync('mkdir', ['-p', root])
  chmodSync(dir, 0o755) // nginx workers run as www-data
  writeFileSync(join(root, 'disk.img'), '')
  truncateSync(join(root, 'disk.img'), SIZE) // sparse: measures the servers, not the disk
  const peers = [await startBmpctl(), await startNginx('1'), await startNginx('auto')]
  await curlRun(peers[2], 1) // warm the page cache once, so the first peer measured is not charged for it
  const runs = new Map<string, number[]>()
  for (let rep = 0; rep < REPEATS; rep++) for (const n of CONCURRENCY) for (const p of peers) {
    const mbs = await curlRun(p, n)
    runs.set(`${p.name}/${n}`, [...(runs.get(`${p.name}/${n}`) ?? []), mbs])
    console.error(`${p.name} clients=${n}: ${mbs.toFixed(0)} MB/s`)
  }
  const best = (key: string) => Math.max(...runs.get(key)!)
  console.log(`\n1 GiB sparse image, curl clients, loopback, ${SECONDS} s cap per run, best of ${REPEATS}, MB/s (10^6 B/s) aggregate.\n`)
  console.log(`| clients | ${peers.map((p) => p.name).join(' | ')} | bmpctl ÷ ${peers[1].name} | bmpctl ÷ ${peers[2].name} |`)
  console.log(`|---:|${peers.map(() => '---:').join('|')}|---:|---:|`)
  for (const n of CONCURRENCY) {
    const v = peers.map((p) => best(`${p.name}/${n}`))
    console.log(`| ${n} | ${v.map((x) => x.toFixed(0)).join(' | ')} | ${(v[0] / v[1]).toFixed(2)}× | ${(v[0] / v[2]).toFixed(2)}× |`)
  }
  console.log('\nEvery run (MB/s), to show the spread on a shared machine:\n')
  for (const [key, v] of runs) console.log(`- ${key}: ${v.map((x) => x.toFixed(0)).join(', ')}`)
}

await main()
process.exit(0)
