import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {EnvironmentError} from '../errors.js'

/**
 * Everything the LiveOS is assembled from, taken from the manager's own Debian packages:
 * the kernel, busybox-static, dropbear-bin (+ its shared libraries) and a few disk tools.
 */

export interface KernelInfo {
  version: string
  /** /boot/vmlinuz-<version> */
  image: string
  /** /boot/config-<version>, when present */
  config?: string
  /** /lib/modules/<version> */
  modulesDir: string
}

/** Orders kernel versions like `6.1.0-9` < `6.1.0-56` (numeric-aware). */
export function compareKernelVersions(a: string, b: string): number {
  return a.localeCompare(b, 'en', {numeric: true})
}

/** The kernel to boot: the given version, else the newest /boot/vmlinuz-*. */
export function findKernel(version?: string, bootDir = '/boot', modulesRoot = '/lib/modules'): KernelInfo {
  const installed = existsSync(bootDir)
    ? readdirSync(bootDir).filter((f) => f.startsWith('vmlinuz-')).map((f) => f.slice('vmlinuz-'.length))
    : []
  if (!installed.length) {
    throw new EnvironmentError(`no kernel found in ${bootDir} (no vmlinuz-*)`, 'install linux-image-amd64 (apt-get install linux-image-amd64)')
  }
  const chosen = version ?? installed.sort(compareKernelVersions).at(-1)!
  if (!installed.includes(chosen)) {
    throw new EnvironmentError(`kernel ${chosen} not found in ${bootDir} (installed: ${installed.join(', ')})`, `install linux-image-${chosen} or pick one of the installed versions`)
  }
  const modulesDir = join(modulesRoot, chosen)
  if (!existsSync(join(modulesDir, 'modules.dep'))) {
    throw new EnvironmentError(`modules for kernel ${chosen} missing: ${modulesDir}/modules.dep not found`, `reinstall linux-image-${chosen}`)
  }
  const config = join(bootDir, `config-${chosen}`)
  return {version: chosen, image: join(bootDir, `vmlinuz-${chosen}`), config: existsSync(config) ? config : undefined, modulesDir}
}

export type Compressor = 'zstd' | 'xz' | 'gzip'

/** Picks the initramfs compression this kernel can unpack, best ratio first. */
export function pickCompressor(kernelConfig: string | undefined, has: (cmd: string) => boolean): Compressor {
  const enabled = (opt: string) => kernelConfig === undefined || new RegExp(`^CONFIG_${opt}=y$`, 'm').test(kernelConfig)
  if (enabled('RD_ZSTD') && has('zstd')) return 'zstd'
  if (enabled('RD_XZ') && has('xz')) return 'xz'
  return 'gzip'
}

const SEARCH_PATH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin']

/** Absolute path of a command on the standard system path, or undefined. */
export function whichSystem(cmd: string): string | undefined {
  return SEARCH_PATH.map((d) => join(d, cmd)).find((p) => existsSync(p) && statSync(p).isFile())
}

/** Shared libraries (and the dynamic loader) a binary needs, per ldd; [] for static ones. */
export function sharedLibraries(binary: string): string[] {
  let out: string
  try {
    out = execFileSync('ldd', [binary], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  } catch (err) {
    const e = err as {stdout?: string; stderr?: string}
    const text = `${e.stdout ?? ''}${e.stderr ?? ''}`
    if (/not a dynamic executable|statically linked/.test(text)) return []
    throw new EnvironmentError(`ldd ${binary} failed: ${text.trim()}`, 'install libc-bin (ldd)')
  }
  return parseLdd(out, binary)
}

/** Parses ldd output into absolute library paths. */
export function parseLdd(out: string, binary = 'binary'): string[] {
  const libs: string[] = []
  for (const line of out.split('\n').map((l) => l.trim()).filter(Boolean)) {
    if (/statically linked/.test(line)) continue
    if (/=> not found/.test(line)) throw new EnvironmentError(`${binary} needs ${line.split(' ')[0]}, which is not installed`)
    const m = line.match(/=>\s+(\/\S+)/) ?? line.match(/^(\/\S+)\s+\(/)
    if (m) libs.push(m[1])
  }
  return libs
}

/** busybox applet names (for /bin symlinks). */
export function busyboxApplets(busybox: string): string[] {
  const out = execFileSync(busybox, ['--list'], {encoding: 'utf8'})
  return out.split('\n').map((s) => s.trim()).filter((s) => s && !s.includes('/')).sort()
}

/** Reads a kernel module, decompressing .ko.xz / .ko.zst / .ko.gz with the system tools. */
export function readModule(path: string): Buffer {
  const tool = path.endsWith('.xz') ? 'xz' : path.endsWith('.zst') ? 'zstd' : path.endsWith('.gz') ? 'gzip' : undefined
  if (!tool) return readFileSync(path)
  try {
    return execFileSync(tool, ['-dc', path], {maxBuffer: 256 * 1024 * 1024})
  } catch (err) {
    throw new EnvironmentError(`cannot decompress kernel module ${path} with ${tool}: ${(err as Error).message}`, `install ${tool === 'xz' ? 'xz-utils' : tool}`)
  }
}

/** Directory holding init.sh and agent/ (src/liveos, also when running from dist/). */
export function agentAssetsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [here, join(here, '..', '..', 'src', 'liveos')]
  const found = candidates.find((d) => existsSync(join(d, 'init.sh')) && existsSync(join(d, 'agent')))
  if (!found) throw new EnvironmentError(`LiveOS agent scripts not found (looked in ${candidates.join(', ')})`, 'reinstall bmpctl')
  return found
}
