/**
 * The file-laying steps of `install`; each compares by content and reports `changed` only
 * when it wrote something, so a second identical run is all `unchanged`.
 */
import {chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {EnvironmentError} from '../errors.js'

export type StepStatus = 'changed' | 'unchanged' | 'skipped'

export interface StepResult {
  step: string
  status: StepStatus
  detail?: string
}

/** Writes `content` unless the file already holds exactly that; true when written. */
export function writeIfChanged(path: string, content: string | Buffer, mode = 0o644): boolean {
  const want = typeof content === 'string' ? Buffer.from(content) : content
  if (existsSync(path) && readFileSync(path).equals(want)) {
    if ((statSync(path).mode & 0o777) === mode) return false
    chmodSync(path, mode)
    return true
  }
  mkdirSync(dirname(path), {recursive: true})
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, want, {mode})
  chmodSync(tmp, mode)
  renameSync(tmp, path)
  return true
}

export function copyIfChanged(from: string, to: string): boolean {
  if (existsSync(to) && statSync(to).size === statSync(from).size && readFileSync(to).equals(readFileSync(from))) return false
  mkdirSync(dirname(to), {recursive: true})
  copyFileSync(from, `${to}.tmp-${process.pid}`)
  renameSync(`${to}.tmp-${process.pid}`, to)
  return true
}

function ensureDir(path: string, mode = 0o755): boolean {
  if (existsSync(path)) return false
  mkdirSync(path, {recursive: true, mode})
  return true
}

/** TFTP loaders from Debian's ipxe package: BIOS, UEFI (SNP only and full), arm64 when present. */
export const TFTP_LOADERS = ['undionly.kpxe', 'snponly.efi', 'ipxe.efi']
const ARM64_LOADER = 'arm64-efi/snponly.efi'

function result(step: string, changed: string[], what: string): StepResult {
  return changed.length ? {step, status: 'changed', detail: `${what}: ${changed.join(', ')}`} : {step, status: 'unchanged'}
}

export function layTftpRoot(tftpRoot: string, ipxeDir: string): StepResult {
  const changed: string[] = []
  if (ensureDir(tftpRoot)) changed.push('created')
  for (const f of TFTP_LOADERS) {
    const src = join(ipxeDir, f)
    if (!existsSync(src)) throw new EnvironmentError(`${src} not found`, 'install the ipxe package (apt-get install ipxe)')
    if (copyIfChanged(src, join(tftpRoot, f))) changed.push(f)
  }
  const arm64 = join(ipxeDir, ARM64_LOADER)
  if (existsSync(arm64) && copyIfChanged(arm64, join(tftpRoot, 'arm64', 'snponly.efi'))) changed.push('arm64/snponly.efi')
  return result('tftp root', changed, 'wrote')
}

export function layHttpRoot(httpRoot: string, ipxeDir: string): StepResult {
  const changed: string[] = []
  for (const d of [httpRoot, join(httpRoot, 'liveos'), join(httpRoot, 'images')]) if (ensureDir(d)) changed.push(d.slice(httpRoot.length + 1) || 'http/')
  const efi = join(ipxeDir, 'ipxe.efi')
  if (!existsSync(efi)) throw new EnvironmentError(`${efi} not found`, 'install the ipxe package (apt-get install ipxe)')
  // UEFI HTTP boot clients fetch the loader itself over HTTP.
  if (copyIfChanged(efi, join(httpRoot, 'ipxe.efi'))) changed.push('ipxe.efi')
  return result('http root', changed, 'wrote')
}

export function writeConfigFile(path: string, text: string): StepResult {
  return writeIfChanged(path, text, 0o644) ? {step: 'config', status: 'changed', detail: path} : {step: 'config', status: 'unchanged'}
}

/** The deploy key (`ssh-keygen -t ed25519`), created once and never replaced. */
export async function ensureSshKey(path: string, exec: (cmd: string, args: string[]) => Promise<void>): Promise<StepResult> {
  mkdirSync(dirname(path), {recursive: true, mode: 0o700})
  chmodSync(dirname(path), 0o700)
  if (existsSync(path) && existsSync(`${path}.pub`)) {
    if ((statSync(path).mode & 0o777) === 0o600) return {step: 'ssh key', status: 'unchanged'}
    chmodSync(path, 0o600)
    return {step: 'ssh key', status: 'changed', detail: 'mode set to 0600'}
  }
  if (existsSync(path)) throw new EnvironmentError(`${path} exists without ${path}.pub`, `recreate it: ssh-keygen -y -f ${path} > ${path}.pub`)
  await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bmpctl-deploy', '-f', path])
  chmodSync(path, 0o600)
  return {step: 'ssh key', status: 'changed', detail: `created ${path}`}
}
