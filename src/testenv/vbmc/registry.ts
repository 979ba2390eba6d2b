/**
 * Records of background virtual BMCs, one JSON file per name under `<data-dir>/vbmc/`,
 * so `vbmc list/stop` work from any later process. Never holds a password.
 */
import {mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {InputError} from '../../errors.js'

export type VbmcProtocol = 'ipmi' | 'redfish' | 'both'

export interface VbmcRecord {
  name: string
  pid: number
  protocol: VbmcProtocol
  bind: string
  ipmiPort?: number
  redfishPort?: number
  username: string
  /** Machine kind behind the BMC (fake, qemu, …). */
  machine: string
  /** ISO time the daemon reported ready. */
  started: string
  /** Where the daemon writes its log. */
  log: string
}

export type VbmcStatus = 'running' | 'dead'

/** Names become file names and appear in argv: keep them plain. */
const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/

export function checkVbmcName(name: string): void {
  if (!NAME_RE.test(name)) throw new InputError(`vBMC name "${name}" is not valid`, [], 'use letters, digits, ".", "_" and "-" (at most 63 characters)')
}

export function vbmcDir(dataDir: string): string {
  return join(dataDir, 'vbmc')
}

function recordPath(dataDir: string, name: string): string {
  return join(vbmcDir(dataDir), `${name}.json`)
}

export function logPath(dataDir: string, name: string): string {
  return join(vbmcDir(dataDir), `${name}.log`)
}

/** Written to a temp file and renamed, so a reader never sees half a record. */
export function writeRecord(dataDir: string, rec: VbmcRecord): void {
  mkdirSync(vbmcDir(dataDir), {recursive: true, mode: 0o700})
  const tmp = `${recordPath(dataDir, rec.name)}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(rec, null, 2) + '\n', {mode: 0o600})
  renameSync(tmp, recordPath(dataDir, rec.name))
}

export function readRecord(dataDir: string, name: string): VbmcRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordPath(dataDir, name), 'utf8')) as VbmcRecord
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

export function removeRecord(dataDir: string, name: string): void {
  rmSync(recordPath(dataDir, name), {force: true})
}

export function listRecords(dataDir: string): VbmcRecord[] {
  let files: string[]
  try {
    files = readdirSync(vbmcDir(dataDir))
  } catch {
    return []
  }
  return files.filter((f) => f.endsWith('.json')).sort()
    .map((f) => readRecord(dataDir, f.slice(0, -'.json'.length)))
    .filter((r): r is VbmcRecord => Boolean(r))
}

/** Marker that identifies our daemon in a command line (the entry file's name). */
export const DAEMON_ENTRY = 'vbmc-daemon'

/**
 * True only when `pid` is alive AND runs our daemon for `name` — a recycled PID that now
 * belongs to another program must never be signalled.
 */
export function isOurDaemon(pid: number, name: string, procRoot = '/proc'): boolean {
  let argv: string[]
  try {
    argv = readFileSync(join(procRoot, String(pid), 'cmdline'), 'utf8').split('\0')
  } catch {
    return false
  }
  const at = argv.findIndex((a) => /vbmc-daemon\.(js|ts)$/.test(a))
  return at >= 0 && argv[at + 1] === name
}

export function recordStatus(rec: VbmcRecord, procRoot = '/proc'): VbmcStatus {
  return isOurDaemon(rec.pid, rec.name, procRoot) ? 'running' : 'dead'
}
