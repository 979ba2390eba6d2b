/**
 * `bmpctl vbmc start|stop|list`: virtual BMCs as background processes for the lab, one per
 * name, tracked in `<data-dir>/vbmc/`. Passwords reach the daemon by env or file only.
 */
import {fork} from 'node:child_process'
import {closeSync, mkdirSync, openSync} from 'node:fs'
import {isAbsolute, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {EnvironmentError, InputError, OperationError} from '../errors.js'
import {packageRoot} from '../paths.js'
import {machineKinds, type MachineOptions} from '../testenv/vbmc/machines.js'
import {
  DAEMON_ENTRY, checkVbmcName, isOurDaemon, listRecords, logPath, readRecord, recordStatus, removeRecord, vbmcDir, writeRecord,
  type VbmcProtocol, type VbmcRecord, type VbmcStatus,
} from '../testenv/vbmc/registry.js'
import type {DaemonConfig, DaemonMessage} from '../testenv/vbmc/vbmc-daemon.js'
import {formatTable} from './nodes.js'

export interface StartVbmcOptions {
  name: string
  protocol: VbmcProtocol
  /** IPMI UDP port (ipmi/both). */
  port?: number
  /** Redfish HTTP port (redfish/both). */
  redfishPort?: number
  bind?: string
  username?: string
  /** Name of an env var holding the password (read here, handed to the daemon by env). */
  passwordEnv?: string
  passwordFile?: string
  machine?: string
  machineOptions?: MachineOptions
  env?: NodeJS.ProcessEnv
  /** How long to wait for the daemon to report ready. */
  readyTimeoutMs?: number
}

/** The daemon entry next to this module: compiled .js, or .ts under tsx. */
function daemonEntry(): {path: string; execArgv: string[]} {
  const ts = import.meta.url.endsWith('.ts')
  const path = fileURLToPath(new URL(`../testenv/vbmc/${DAEMON_ENTRY}.${ts ? 'ts' : 'js'}`, import.meta.url))
  return {path, execArgv: ts ? ['--import', 'tsx'] : []}
}

function checkStart(o: StartVbmcOptions): void {
  checkVbmcName(o.name)
  if (o.protocol !== 'redfish' && o.port === undefined) throw new InputError('--port is required for the IPMI vBMC', [], 'e.g. --port 6230')
  if (o.protocol === 'redfish' && o.port === undefined && o.redfishPort === undefined) throw new InputError('--port (or --redfish-port) is required', [], 'e.g. --port 8000')
  if (o.protocol === 'both' && o.redfishPort === undefined) throw new InputError('--redfish-port is required with --protocol both', [], 'e.g. --port 6230 --redfish-port 8000')
  if (o.passwordEnv && o.passwordFile) throw new InputError('give only one of --password-env and --password-file')
  if (!o.passwordEnv && !o.passwordFile) throw new InputError('the vBMC needs a password', [], 'pass --password-env VAR or --password-file FILE (never on the command line)')
  if (o.machine && !machineKinds().includes(o.machine)) throw new InputError(`--machine "${o.machine}" is not known`, [], `use one of: ${machineKinds().join(', ')}`)
}

/** Starts the daemon detached, waits for it to bind its ports, records it. */
export async function startVbmc(dataDir: string, o: StartVbmcOptions): Promise<VbmcRecord> {
  checkStart(o)
  const env = o.env ?? process.env
  const old = readRecord(dataDir, o.name)
  if (old && recordStatus(old) === 'running') throw new OperationError(`vBMC ${o.name} is already running (pid ${old.pid})`, `stop it first: bmpctl vbmc stop ${o.name}`)
  const childEnv: NodeJS.ProcessEnv = {...env}
  if (o.passwordEnv) {
    const pw = env[o.passwordEnv]
    if (pw === undefined) throw new EnvironmentError(`--password-env ${o.passwordEnv}: that variable is not set`, `export ${o.passwordEnv}=… first`)
    childEnv.BMPCTL_VBMC_PASSWORD = pw
  }
  const cfg: DaemonConfig = {
    name: o.name, protocol: o.protocol, bind: o.bind ?? '127.0.0.1', username: o.username ?? 'admin',
    ipmiPort: o.protocol === 'redfish' ? undefined : o.port,
    redfishPort: o.protocol === 'redfish' ? (o.redfishPort ?? o.port) : o.redfishPort,
    passwordFile: o.passwordFile && (isAbsolute(o.passwordFile) ? o.passwordFile : resolve(o.passwordFile)),
    machine: o.machine ?? 'fake', machineOptions: o.machineOptions ?? {},
  }
  childEnv.BMPCTL_VBMC_CONFIG = JSON.stringify(cfg)
  mkdirSync(vbmcDir(dataDir), {recursive: true, mode: 0o700})
  const log = logPath(dataDir, o.name)
  const fd = openSync(log, 'a', 0o600)
  const entry = daemonEntry()
  let msg: DaemonMessage
  let pid: number
  try {
    const child = fork(entry.path, [o.name], {detached: true, cwd: packageRoot, env: childEnv, execArgv: entry.execArgv, stdio: ['ignore', fd, fd, 'ipc']})
    pid = child.pid!
    msg = await readyMessage(child, o.readyTimeoutMs ?? 20000)
    child.disconnect()
    child.unref()
  } finally {
    closeSync(fd)
  }
  if ('error' in msg) throw new EnvironmentError(`vBMC ${o.name} did not start: ${msg.error}`, `see ${log}`)
  const rec: VbmcRecord = {
    name: o.name, pid, protocol: o.protocol, bind: cfg.bind, username: cfg.username, machine: cfg.machine,
    started: new Date().toISOString(), log,
    ...(msg.ipmiPort !== undefined ? {ipmiPort: msg.ipmiPort} : {}), ...(msg.redfishPort !== undefined ? {redfishPort: msg.redfishPort} : {}),
  }
  writeRecord(dataDir, rec)
  return rec
}

function readyMessage(child: ReturnType<typeof fork>, timeoutMs: number): Promise<DaemonMessage> {
  return new Promise((resolvePromise) => {
    const done = (m: DaemonMessage) => { clearTimeout(timer); child.removeAllListeners('message'); child.removeAllListeners('exit'); resolvePromise(m) }
    const timer = setTimeout(() => { try { child.kill('SIGKILL') } catch { /* gone */ } done({error: `no ready report within ${timeoutMs} ms`}) }, timeoutMs)
    child.on('message', (m) => done(m as DaemonMessage))
    child.on('exit', (code, sig) => done({error: `exited early (${sig ?? `code ${code}`})`}))
  })
}

export interface StopResult {
  name: string
  pid: number
  /** Whether a live daemon was ended (false: it was already dead; the record is removed). */
  stopped: boolean
}

/** Ends the daemon by PID — only after /proc confirms the PID still runs our entry. */
export async function stopVbmc(dataDir: string, name: string): Promise<StopResult> {
  checkVbmcName(name)
  const rec = readRecord(dataDir, name)
  if (!rec) {
    const known = listRecords(dataDir).map((r) => r.name)
    throw new InputError(`no vBMC named "${name}"`, [], known.length ? `known: ${known.join(', ')}` : 'none are recorded (see `bmpctl vbmc list`)')
  }
  let stopped = false
  if (isOurDaemon(rec.pid, name)) {
    process.kill(rec.pid, 'SIGTERM')
    if (!(await exited(rec.pid, name, 5000))) {
      process.kill(rec.pid, 'SIGKILL')
      await exited(rec.pid, name, 2000)
    }
    stopped = true
  }
  removeRecord(dataDir, name)
  return {name, pid: rec.pid, stopped}
}

async function exited(pid: number, name: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (!isOurDaemon(pid, name)) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return !isOurDaemon(pid, name)
}

export type VbmcListEntry = VbmcRecord & {status: VbmcStatus}

export function listVbmcs(dataDir: string): VbmcListEntry[] {
  return listRecords(dataDir).map((r) => ({...r, status: recordStatus(r)}))
}

export function formatVbmcList(rows: VbmcListEntry[]): string {
  if (!rows.length) return 'no vBMCs recorded (see `bmpctl vbmc start`)'
  return formatTable(['NAME', 'STATUS', 'PID', 'PROTOCOL', 'ADDRESS', 'MACHINE', 'STARTED'], rows.map((r) => [
    r.name, r.status, String(r.pid), r.protocol,
    [r.ipmiPort !== undefined ? `ipmi ${r.bind}:${r.ipmiPort}` : '', r.redfishPort !== undefined ? `redfish http://${r.bind}:${r.redfishPort}` : ''].filter(Boolean).join(', '),
    r.machine, r.started,
  ]))
}
