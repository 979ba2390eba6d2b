import assert from 'node:assert/strict'
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

/**
 * Drives the built CLI against a virtual lab the way an operator does: testenv up,
 * install and serve inside the lab namespace, then commands there; and checks that
 * teardown leaves nothing behind. Shared by the end-to-end tests.
 */
export interface Run {code: number; stdout: string; stderr: string}

const BIN = join(process.cwd(), 'bin', 'run.js')

export class LabCli {
  readonly ns: string
  private serve?: ChildProcess

  constructor(readonly lab: string, readonly dataDir: string) {
    this.ns = `bmp-${lab}`
  }

  run(args: string[], opts: {inLab?: boolean; timeoutMs?: number} = {}): Run {
    const argv = [...(opts.inLab ? ['ip', 'netns', 'exec', this.ns] : []), process.execPath, BIN, ...args, '--data-dir', this.dataDir]
    try {
      const stdout = execFileSync(argv[0], argv.slice(1), {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 600_000})
      return {code: 0, stdout, stderr: ''}
    } catch (err) {
      const e = err as {status?: number; stdout?: string; stderr?: string}
      return {code: e.status ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? ''}
    }
  }

  /** Runs a command that must succeed; returns its stdout. */
  ok(args: string[], opts: {inLab?: boolean; timeoutMs?: number} = {}): string {
    const r = this.run(args, opts)
    assert.equal(r.code, 0, `bmpctl ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout.slice(-3000)}\nstderr: ${r.stderr.slice(-3000)}`)
    return r.stdout
  }

  json<T>(args: string[], opts: {inLab?: boolean; timeoutMs?: number} = {}): T {
    return JSON.parse(this.ok([...args, '--json'], opts)) as T
  }

  /** testenv up, install on the lab bridge, and serve running and healthy. */
  start(upArgs: string[]): void {
    this.ok(['testenv', 'up', '--name', this.lab, ...upArgs])
    this.ok(['install', '--interface', 'br0', '--address', '192.0.2.1/24', '--no-systemd', '--yes'], {inLab: true})
    const serve = spawn('ip', ['netns', 'exec', this.ns, process.execPath, BIN, 'serve', '--data-dir', this.dataDir], {stdio: ['ignore', 'ignore', 'pipe']})
    this.serve = serve
    let log = ''
    serve.stderr!.on('data', (d) => { log = (log + d).slice(-20_000) })
    process.on('exit', () => { if (serve.exitCode === null) serve.kill('SIGKILL') })
    for (let i = 0; i < 100; i++) {
      try { execFileSync('ip', ['netns', 'exec', this.ns, 'curl', '-sf', 'http://192.0.2.1:8080/healthz'], {stdio: 'ignore'}); return } catch { /* not yet */ }
      execFileSync('sleep', ['0.2'])
    }
    throw new Error(`serve did not come up: ${log}`)
  }

  /** SIGTERM to serve; resolves with its exit code (null when it was not running). */
  async stopServe(): Promise<number | null> {
    const serve = this.serve
    if (!serve || serve.exitCode !== null) return serve?.exitCode ?? null
    const exited = new Promise<number | null>((r) => serve.once('exit', (code) => r(code)))
    serve.kill('SIGTERM')
    return exited
  }

  get inventory(): string {
    return join(this.dataDir, 'testenv', `${this.lab}-inventory.yaml`)
  }

  get operatorKey(): string {
    return join(this.dataDir, 'testenv', `${this.lab}-id_ed25519`)
  }

  record(): {uefi: boolean; daemon: {pid: number}; nodes: {vmName: string}[]} {
    return JSON.parse(readFileSync(join(this.dataDir, 'testenv', `${this.lab}.json`), 'utf8'))
  }

  guestSsh(ip: string, command: string): string {
    return execFileSync('ip', ['netns', 'exec', this.ns, 'ssh', '-i', this.operatorKey, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no',
      '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=20', `root@${ip}`, command], {encoding: 'utf8', timeout: 60_000})
  }

  /** Stops serve and the lab (twice: down must be idempotent) and asserts nothing is left. */
  async downAndCheck(): Promise<void> {
    const rec = this.record()
    assert.equal(await this.stopServe(), 0, 'serve exits 0 on SIGTERM')
    this.ok(['testenv', 'down', '--name', this.lab])
    this.ok(['testenv', 'down', '--name', this.lab])
    assert.ok(!execFileSync('ip', ['netns', 'list'], {encoding: 'utf8'}).split('\n').some((l) => l.split(' ')[0] === this.ns), 'namespace gone')
    assert.ok(!existsSync(`/proc/${rec.daemon.pid}`) || !readFileSync(`/proc/${rec.daemon.pid}/cmdline`, 'utf8').includes('lab-daemon'), 'lab daemon gone')
    assert.ok(!existsSync(join(this.dataDir, 'testenv', `${this.lab}.json`)), 'lab record removed')
    for (const vm of rec.nodes) assert.deepEqual(qemuPids(vm.vmName), [], `no qemu left for ${vm.vmName}`)
  }

  /** Best-effort teardown for after() hooks. */
  async cleanup(): Promise<void> {
    await this.stopServe()
    this.run(['testenv', 'down', '--name', this.lab])
  }
}

/** PIDs of qemu processes started with `-name <vmName>` (pgrep exits 1 when there are none). */
export function qemuPids(vmName: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', '--', `-name ${vmName}`], {encoding: 'utf8'}).trim().split('\n')
  } catch (err) {
    if ((err as {status?: number}).status === 1) return []
    throw err
  }
}
