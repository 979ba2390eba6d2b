/**
 * Deploy benchmark, one lab: testenv up → install → serve → enroll → timed `deploy --forks N`
 * → each node's events → testenv down (always; serve killed by its PID), all with the built CLI.
 */
import {execFileSync, spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {existsSync, mkdtempSync, openSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {BenchEvent} from './deploy-stages.js'
import {CpuSampler, procCpuSec, type CpuReport} from './deploy-cpu.js'
import {ConsoleWatcher} from './deploy-console.js'

export const ROOT = new URL('..', import.meta.url).pathname
const BIN = join(ROOT, 'bin', 'run.js')

export interface LabRun {
  n: number
  lab: string
  ok: boolean
  error?: string
  startMs: number
  endMs: number
  /** Per node: its event log (all of it; the analysis picks the attempt by time). */
  events: Record<string, BenchEvent[]>
  states: Record<string, string>
  /** Per node: when its console first said BMPCTL-GUEST-UP (epoch ms, ≤ 0.4 s late). */
  guestUp: Record<string, number>
  /** CPU seconds of the deploy command, serve (during the deploy) and all qemu VMs, and machine busy %. */
  cpu?: CpuReport & {deployCpuSec?: number; serveCpuSec?: number}
  /** The LiveOS files this lab's install built, kept for the VMs-only baseline. */
  liveosDir?: string
  dataDir: string
}

interface Ctx { ns: string; lab: string; dataDir: string; log: (s: string) => void }

function run(ctx: Ctx, args: string[], opts: {inLab?: boolean; timeoutMs?: number} = {}): string {
  const argv = [...(opts.inLab ? ['ip', 'netns', 'exec', ctx.ns] : []), process.execPath, BIN, ...args, '--data-dir', ctx.dataDir]
  const r = spawnSync(argv[0], argv.slice(1), {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 300_000, maxBuffer: 64 << 20})
  if (r.status !== 0) throw new Error(`bmpctl ${args.slice(0, 2).join(' ')} exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout).slice(-1500)}`)
  return r.stdout
}

async function startServe(ctx: Ctx): Promise<ChildProcess> {
  const log = openSync(join(ctx.dataDir, 'serve.log'), 'a')
  const serve = spawn('ip', ['netns', 'exec', ctx.ns, process.execPath, BIN, 'serve', '--data-dir', ctx.dataDir], {stdio: ['ignore', log, log]})
  for (let i = 0; i < 150; i++) {
    if (serve.exitCode !== null) break
    const r = spawnSync('ip', ['netns', 'exec', ctx.ns, 'curl', '-sf', '-m', '2', 'http://192.0.2.1:8080/healthz'], {stdio: 'ignore'})
    if (r.status === 0) return serve
    await new Promise((r) => setTimeout(r, 200))
  }
  serve.kill('SIGKILL')
  throw new Error(`serve did not come up: ${readFileSync(join(ctx.dataDir, 'serve.log'), 'utf8').slice(-1500)}`)
}

/** SIGTERM, then SIGKILL after 10 s: a bench never hangs on its own cleanup. */
async function stopServe(serve: ChildProcess | undefined): Promise<void> {
  if (!serve || serve.exitCode !== null || serve.signalCode !== null) return
  const exited = new Promise((r) => serve.once('exit', r))
  serve.kill('SIGTERM')
  const t = setTimeout(() => serve.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(t)
}

/** The deploy under /usr/bin/time, for its own CPU seconds (`ip netns exec` execs node, so they are node's).
 * Async: the CPU sampler keeps ticking while it runs. */
function timedDeploy(ctx: Ctx, n: number): Promise<{ok: boolean; out: string; cpuSec?: number}> {
  const timeFile = join(ctx.dataDir, 'deploy.time')
  const argv = ['-o', timeFile, '-f', '%e %U %S', 'ip', 'netns', 'exec', ctx.ns, process.execPath, BIN,
    'deploy', '--forks', String(n), '--timeout', '15m', '--data-dir', ctx.dataDir]
  const child = spawn('/usr/bin/time', argv, {stdio: ['ignore', 'pipe', 'pipe']})
  let out = ''
  const keep = (d: Buffer) => { out = (out + d.toString()).slice(-20_000) }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const limit = setTimeout(() => child.kill('SIGKILL'), 25 * 60_000)
  return new Promise((resolve) => child.once('exit', (code) => {
    clearTimeout(limit)
    let cpuSec: number | undefined
    try {
      const [, u, s] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number)
      cpuSec = u + s
    } catch { /* time did not finish */ }
    resolve({ok: code === 0, out, cpuSec})
  }))
}

export async function runLab(n: number, log: (s: string) => void): Promise<LabRun> {
  const lab = `bd${process.pid % 10000}n${n}`
  const dataDir = mkdtempSync(join(tmpdir(), `bmpctl-bench-deploy-${n}-`))
  const ctx: Ctx = {ns: `bmp-${lab}`, lab, dataDir, log}
  const result: LabRun = {n, lab, ok: false, startMs: 0, endMs: 0, events: {}, states: {}, guestUp: {}, dataDir}
  let serve: ChildProcess | undefined
  const onExit = () => serve?.kill('SIGKILL')
  process.on('exit', onExit)
  try {
    log(`N=${n}: testenv up (${lab}, ${dataDir})`)
    run(ctx, ['testenv', 'up', '--nodes', String(n), '--name', lab], {timeoutMs: 600_000})
    log(`N=${n}: install`)
    run(ctx, ['install', '--interface', 'br0', '--address', '192.0.2.1/24', '--no-systemd', '--yes'], {inLab: true, timeoutMs: 600_000})
    serve = await startServe(ctx)
    log(`N=${n}: enroll`)
    run(ctx, ['enroll', join(dataDir, 'testenv', `${lab}-inventory.yaml`)], {inLab: true})
    const sampler = new CpuSampler(dataDir)
    const serveBefore = procCpuSec(serve.pid!)
    log(`N=${n}: deploy --forks ${n}`)
    const consoles = new ConsoleWatcher(join(dataDir, 'testenv', lab))
    consoles.start()
    sampler.start()
    result.startMs = Date.now()
    const d = await timedDeploy(ctx, n)
    result.endMs = Date.now()
    const serveAfter = procCpuSec(serve.pid!)
    result.guestUp = consoles.stop()
    result.cpu = {...sampler.stop(), deployCpuSec: d.cpuSec,
      serveCpuSec: serveBefore !== undefined && serveAfter !== undefined ? serveAfter - serveBefore : undefined}
    result.ok = d.ok
    if (!d.ok) result.error = d.out.slice(-2000)
    log(`N=${n}: deploy ${d.ok ? 'ok' : 'FAILED'} in ${((result.endMs - result.startMs) / 1000).toFixed(1)} s`)
    const list = JSON.parse(run(ctx, ['nodes', 'list', '--json'], {inLab: true})) as {name: string; state: string}[]
    for (const node of list) {
      result.states[node.name] = node.state
      result.events[node.name] = run(ctx, ['events', node.name, '--json'], {inLab: true}).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as BenchEvent)
    }
    const liveos = join(dataDir, 'http', 'liveos')
    if (existsSync(join(liveos, 'vmlinuz'))) result.liveosDir = liveos
  } catch (err) {
    result.error = (err as Error).message
    log(`N=${n}: ${result.error}`)
  } finally {
    await stopServe(serve)
    process.off('exit', onExit)
    try { run(ctx, ['testenv', 'down', '--name', lab], {timeoutMs: 120_000}) } catch (err) { log(`N=${n}: testenv down: ${(err as Error).message}`) }
  }
  return result
}

/** The temp data dir goes once the baseline has used its LiveOS files. */
export function removeDataDir(r: LabRun): void {
  rmSync(r.dataDir, {recursive: true, force: true})
}

export function requireBuilt(): void {
  if (!existsSync(join(ROOT, 'dist', 'commands', 'deploy.js'))) {
    throw new Error('the built CLI is missing (dist/): run `npm run build` first')
  }
  execFileSync('id', ['-u'], {encoding: 'utf8'}).trim() === '0' || (() => { throw new Error('needs root (namespaces, taps, qemu)') })()
}
