import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {EnvironmentError} from '../errors.js'
import type {CpioEntry} from '../liveos/cpio.js'
import {rootSkeleton, withParents} from '../liveos/skeleton.js'
import {busyboxApplets, readModule, sharedLibraries, whichSystem, type KernelInfo} from '../liveos/inputs.js'
import {parseModulesBuiltin, parseModulesDep, planModules, renderModulesDep} from '../liveos/modules.js'

/** The guest test image's initramfs tree: busybox, dropbear, a few drivers, /init. */

/** Drivers a lab VM needs: virtio NIC/disk, a config drive on disk or CD-ROM. */
export const GUEST_MODULES = ['virtio_pci', 'virtio_net', 'virtio_blk', 'virtio_scsi', 'sd_mod', 'ata_piix', 'sr_mod', 'isofs'] as const

const ETC_FILES: Record<string, string> = {
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n',
  'etc/group': 'root:x:0:\ntty:x:5:\n',
  // "*" = no password can match; logins are by key only (dropbear -s -g as well).
  'etc/shadow': 'root:*:19000:0:99999:7:::\n',
  'etc/shells': '/bin/sh\n',
  'etc/nsswitch.conf': 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n',
}

/** Directory holding the guest's init.sh and helpers (src/testenv/guest, also from dist/). */
export function guestAssetsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, 'guest'), join(here, '..', '..', 'src', 'testenv', 'guest')]
  const found = candidates.find((d) => existsSync(join(d, 'init.sh')))
  if (!found) throw new EnvironmentError(`guest image scripts not found (looked in ${candidates.join(', ')})`, 'reinstall bmpctl')
  return found
}

const ROOT_DIRS = ['bin', 'dev', 'etc', 'etc/dropbear', 'lib', 'lib/guest', 'mnt', 'proc', 'run', 'sys', 'usr', 'var']

function scriptEntries(assets: string): CpioEntry[] {
  return [
    {type: 'file', path: 'init', mode: 0o755, data: readFileSync(join(assets, 'init.sh'))},
    ...['flat.awk', 'netcfg.awk', 'udhcpc.script'].map((f): CpioEntry => ({type: 'file', path: `lib/guest/${f}`, mode: 0o755, data: readFileSync(join(assets, f))})),
  ]
}

function toolEntries(): CpioEntry[] {
  const need = (cmd: string, pkg: string) => {
    const p = whichSystem(cmd)
    if (!p) throw new EnvironmentError(`${cmd} not found; the guest test image carries it`, `install ${pkg}`)
    return p
  }
  const busybox = need('busybox', 'busybox-static')
  const tools = {dropbear: need('dropbear', 'dropbear-bin'), dropbearkey: need('dropbearkey', 'dropbear-bin')}
  const out: CpioEntry[] = [{type: 'file', path: 'bin/busybox', mode: 0o755, data: readFileSync(busybox)}]
  const libs = new Set<string>(sharedLibraries(busybox))
  for (const [name, path] of Object.entries(tools)) {
    out.push({type: 'file', path: `bin/${name}`, mode: 0o755, data: readFileSync(path)})
    for (const lib of sharedLibraries(path)) libs.add(lib)
  }
  for (const lib of [...libs].sort()) out.push({type: 'file', path: lib, mode: 0o755, data: readFileSync(lib)})
  for (const applet of busyboxApplets(busybox)) {
    if (applet !== 'busybox' && !(applet in tools)) out.push({type: 'symlink', path: `bin/${applet}`, target: 'busybox'})
  }
  return out
}

function moduleEntries(kernel: KernelInfo, notes: string[]): CpioEntry[] {
  const dep = parseModulesDep(readFileSync(join(kernel.modulesDir, 'modules.dep'), 'utf8'))
  const builtinPath = join(kernel.modulesDir, 'modules.builtin')
  const plan = planModules(GUEST_MODULES, dep, parseModulesBuiltin(existsSync(builtinPath) ? readFileSync(builtinPath, 'utf8') : ''))
  if (plan.missing.length) notes.push(`kernel ${kernel.version} lacks modules: ${plan.missing.join(', ')}`)
  const plain = (p: string) => p.replace(/\.ko\.(xz|zst|gz)$/, '.ko')
  const base = `lib/modules/${kernel.version}`
  return [
    ...plan.loadOrder.map((p): CpioEntry => ({type: 'file', path: `${base}/${plain(p)}`, data: readModule(join(kernel.modulesDir, p))})),
    {type: 'file', path: `${base}/modules.dep`, data: Buffer.from(renderModulesDep(plan.loadOrder, dep, plain))},
    {type: 'file', path: `${base}/guest.load`, data: Buffer.from(plan.loadOrder.map((p) => plain(p) + '\n').join(''))},
  ]
}

/** Every entry of the guest initramfs, and notes for the build log. */
export function guestLayout(kernel: KernelInfo, assets = guestAssetsDir()): {entries: CpioEntry[]; notes: string[]} {
  const notes: string[] = []
  const entries = [...rootSkeleton(ROOT_DIRS, ETC_FILES), ...scriptEntries(assets), ...toolEntries(), ...moduleEntries(kernel, notes)]
  return {entries: withParents(entries), notes}
}
