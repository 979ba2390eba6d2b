import {spawn, type ChildProcess} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {EnvironmentError, OperationError} from '../errors.js'
import {silentLogger, type Logger} from '../log.js'
import {qemuCommand, type VmOptions} from './qemu-args.js'
import {qmpCommand} from './qemu-qmp.js'

export type {VmNic, VmOptions} from './qemu-args.js'

/** A running lab VM (qemu, TCG). */
export interface VmHandle {
  pid: number
  name: string
  serialLog: string
  /** QMP `quit` (or SIGTERM), then SIGKILL; resolves once qemu has exited. */
  stop(): Promise<void>
  /** Resolves with the first match of `pattern` in the serial log. */
  waitForSerial(pattern: RegExp, timeoutMs: number): Promise<string>
  /** Any QMP command, e.g. `system_reset`, `system_powerdown`. */
  qmp(execute: string, args?: Record<string, unknown>): Promise<unknown>
  /** Exit code (null when killed by a signal). */
  exited: Promise<number | null>
}

export interface StartVmOptions extends VmOptions {
  log?: Logger
}

const running = new Set<ChildProcess>()
let exitHookInstalled = false

/** Kills VMs this process started if it exits without stopping them (only those PIDs). */
function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const c of running) if (c.pid && c.exitCode === null && c.signalCode === null) try { process.kill(c.pid, 'SIGKILL') } catch { /* gone */ }
  })
}

function readTail(path: string, bytes = 3000): string {
  try {
    const text = readFileSync(path, 'latin1')
    return text.slice(-bytes)
  } catch {
    return ''
  }
}

/** Starts a qemu VM (TCG only; /dev/kvm is not relied on). */
export async function startVm(opts: StartVmOptions): Promise<VmHandle> {
  const log = (opts.log ?? silentLogger).child({vm: opts.name})
  const base = join(tmpdir(), `bmpctl-vm-${process.pid}-${randomBytes(4).toString('hex')}`)
  const qmpSocket = `${base}.qmp`, configFile = `${base}.cfg`
  const {args, config} = qemuCommand(opts, qmpSocket, configFile)
  if (config) writeFileSync(configFile, config, {mode: 0o600})
  const argv = opts.netns ? ['ip', 'netns', 'exec', opts.netns, 'qemu-system-x86_64', ...args] : ['qemu-system-x86_64', ...args]
  log.debug('starting VM', {argv: argv.join(' ')})
  installExitHook()
  // `ip netns exec` execs qemu in place, so child.pid is qemu's own PID.
  const child = spawn(argv[0], argv.slice(1), {stdio: ['ignore', 'pipe', 'pipe']})
  running.add(child)
  let output = ''
  child.stdout!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-4000) })
  child.stderr!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-4000) })
  const cleanupFiles = () => { rmSync(qmpSocket, {force: true}); rmSync(configFile, {force: true}) }
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      running.delete(child)
      cleanupFiles()
      log.debug('VM exited', {code, output: output.trim()})
      resolve(code)
    })
  })
  const spawnError = new Promise<never>((_, reject) => child.on('error', (err) => {
    reject(new EnvironmentError(`cannot start qemu: ${err.message}`, 'install qemu-system-x86'))
  }))
  spawnError.catch(() => {})
  await Promise.race([waitForFile(qmpSocket, exited), spawnError]).catch(async (err) => {
    cleanupFiles()
    throw err instanceof Error && err.message === 'exited' ? new EnvironmentError(`qemu for ${opts.name} exited at start: ${output.trim()}`) : err
  })
  rmSync(configFile, {force: true}) // read at start-up; the token it may hold is not kept on disk
  const isRunning = () => child.exitCode === null && child.signalCode === null

  const stop = async (): Promise<void> => {
    if (!isRunning()) { await exited; return }
    try {
      await qmpCommand(qmpSocket, 'quit', undefined, 3000)
    } catch {
      try { process.kill(child.pid!, 'SIGTERM') } catch { /* gone */ }
    }
    const timer = setTimeout(() => { if (isRunning()) try { process.kill(child.pid!, 'SIGKILL') } catch { /* gone */ } }, 5000)
    await exited
    clearTimeout(timer)
  }

  const waitForSerial = (pattern: RegExp, timeoutMs: number): Promise<string> => new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs
    const poll = () => {
      const text = (() => { try { return readFileSync(opts.serialLog, 'latin1') } catch { return '' } })()
      const m = text.match(pattern)
      if (m) return resolve(m[0])
      if (!isRunning()) return reject(new OperationError(`VM ${opts.name} stopped before ${pattern} appeared on its console; last output:\n${readTail(opts.serialLog)}`))
      if (Date.now() > deadline) return reject(new OperationError(`timed out after ${timeoutMs} ms waiting for ${pattern} on VM ${opts.name}'s console; last output:\n${readTail(opts.serialLog)}`))
      setTimeout(poll, 200)
    }
    poll()
  })

  log.info('VM started', {pid: child.pid})
  return {
    pid: child.pid!,
    name: opts.name,
    serialLog: opts.serialLog,
    stop,
    waitForSerial,
    qmp: (execute, args) => qmpCommand(qmpSocket, execute, args),
    exited,
  }
}

/** Waits until qemu has created its QMP socket (it then accepts commands), or exits. */
function waitForFile(path: string, exited: Promise<number | null>): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false
    exited.then(() => { if (!done) { done = true; reject(new Error('exited')) } })
    const poll = () => {
      if (done) return
      if (existsSync(path)) { done = true; return resolve() }
      setTimeout(poll, 50)
    }
    poll()
  })
}
