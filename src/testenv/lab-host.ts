import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {EnvironmentError} from '../errors.js'
import type {Logger} from '../log.js'

/** Host-side plumbing of the lab: namespace + bridge + taps, process checks, packages. */

function ip(args: string[], ignoreErrors = false): string {
  try {
    return execFileSync('ip', args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  } catch (err) {
    if (ignoreErrors) return ''
    const e = err as {stderr?: string; message: string}
    throw new EnvironmentError(`ip ${args.join(' ')} failed: ${(e.stderr || e.message).trim()}`, 'install iproute2; run as root')
  }
}

export function namespaceExists(ns: string): boolean {
  return ip(['netns', 'list'], true).split('\n').some((l) => l.split(' ')[0] === ns)
}

/** Creates the namespace with br0 at `cidr` (no STP, no forwarding delay) and one tap per name. */
export function createLabNamespace(ns: string, cidr: string, taps: string[]): void {
  ip(['netns', 'add', ns])
  const inNs = (args: string[]) => ip(['-n', ns, ...args])
  inNs(['link', 'set', 'lo', 'up'])
  inNs(['link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0'])
  inNs(['addr', 'add', cidr, 'dev', 'br0'])
  inNs(['link', 'set', 'br0', 'up'])
  for (const tap of taps) {
    inNs(['tuntap', 'add', 'dev', tap, 'mode', 'tap'])
    inNs(['link', 'set', tap, 'master', 'br0'])
    inNs(['link', 'set', tap, 'up'])
  }
}

/** Deleting the namespace also removes the bridge and taps inside it. */
export function deleteLabNamespace(ns: string): boolean {
  if (!namespaceExists(ns)) return false
  ip(['netns', 'del', ns])
  return true
}

/** The process's argv, or undefined when it is gone (or a zombie). */
export function processArgv(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    return raw ? raw.split('\0').filter(Boolean) : undefined
  } catch {
    return undefined
  }
}

/** True when `pid` runs and its argv contains every marker (guards against PID reuse). */
export function processMatches(pid: number | undefined, markers: string[]): boolean {
  if (!pid) return false
  const argv = processArgv(pid)
  return !!argv && markers.every((m) => argv.includes(m) || argv.some((a) => a.endsWith(m)))
}

/** Sends `signal`, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function endProcess(pid: number, markers: string[], graceMs = 15_000): Promise<void> {
  if (!processMatches(pid, markers)) return
  try { process.kill(pid, 'SIGTERM') } catch { return }
  const deadline = Date.now() + graceMs
  while (processMatches(pid, markers)) {
    if (Date.now() > deadline) {
      try { process.kill(pid, 'SIGKILL') } catch { return }
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Debian packages the lab runs on: qemu and firmware for the VMs; syslinux, mtools and dosfstools build the guest image. */
export const LAB_PACKAGES = ['qemu-system-x86', 'ipxe-qemu', 'ovmf', 'syslinux', 'syslinux-common', 'syslinux-efi', 'mtools', 'dosfstools'] as const

export function missingPackages(pkgs: readonly string[]): string[] {
  return pkgs.filter((p) => {
    try {
      return !execFileSync('dpkg-query', ['-W', '-f=${Status}', p], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).includes('install ok installed')
    } catch {
      return true
    }
  })
}

/** Installs missing lab packages with apt-get, saying first what it will install. */
export function installPackages(missing: string[], log: Logger): void {
  if (!missing.length) return
  log.info(`installing Debian packages the lab needs: ${missing.join(' ')}`)
  try {
    execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], {
      stdio: ['ignore', 'ignore', 'pipe'], env: {...process.env, DEBIAN_FRONTEND: 'noninteractive'},
    })
  } catch (err) {
    throw new EnvironmentError(`apt-get install ${missing.join(' ')} failed: ${(err as {stderr?: Buffer}).stderr?.toString().trim() ?? ''}`, 'run apt-get update, or install them by hand')
  }
}
