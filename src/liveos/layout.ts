import {readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {EnvironmentError} from '../errors.js'
import type {CpioEntry} from './cpio.js'
import {rootSkeleton, withParents} from './skeleton.js'
import {busyboxApplets, readModule, sharedLibraries, whichSystem, type KernelInfo} from './inputs.js'
import {LIVEOS_MODULES, parseModulesBuiltin, parseModulesDep, planModules, renderModulesDep} from './modules.js'

/** The LiveOS file tree: what goes where in the initramfs. */

/** Needed for the LiveOS to work at all. */
const REQUIRED_TOOLS: Record<string, string> = {dropbear: 'dropbear-bin', dropbearkey: 'dropbear-bin'}
/** Carried when the manager has them: disk tools deploy steps use over SSH. */
const OPTIONAL_TOOLS = ['zstd', 'sfdisk', 'wipefs', 'blkid']

const ETC_FILES: Record<string, string> = {
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n',
  'etc/group': 'root:x:0:\ntty:x:5:\n',
  // "*" = no password can match; logins are by key only (dropbear -s -g as well).
  'etc/shadow': 'root:*:19000:0:99999:7:::\n',
  'etc/shells': '/bin/sh\n/bin/ash\n',
  'etc/nsswitch.conf': 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n',
  'etc/hosts': '127.0.0.1 localhost liveos\n',
  'etc/resolv.conf': '',
}

export interface Layout {
  entries: CpioEntry[]
  /** Wanted modules this kernel lacks, tools skipped: for the build log. */
  notes: string[]
  /** Binaries carried (archive path → host path) */
  binaries: Record<string, string>
}

const ROOT_DIRS = ['bin', 'dev', 'etc', 'etc/dropbear', 'lib', 'lib/liveos', 'proc', 'run', 'sys', 'usr', 'var']

function agentEntries(assetsDir: string): CpioEntry[] {
  const agentDir = join(assetsDir, 'agent')
  const scripts = readdirSync(agentDir).filter((f) => f.endsWith('.sh') || f.endsWith('.script')).sort()
  return [
    {type: 'file', path: 'init', mode: 0o755, data: readFileSync(join(assetsDir, 'init.sh'))},
    ...scripts.map((f): CpioEntry => ({type: 'file', path: `lib/liveos/${f}`, mode: 0o755, data: readFileSync(join(agentDir, f))})),
  ]
}

function toolEntries(notes: string[], binaries: Record<string, string>): CpioEntry[] {
  const busybox = whichSystem('busybox')
  if (!busybox) throw new EnvironmentError('busybox not found', 'install busybox-static')
  const out: CpioEntry[] = [{type: 'file', path: 'bin/busybox', mode: 0o755, data: readFileSync(busybox)}]
  binaries['bin/busybox'] = busybox
  const tools: [string, string][] = []
  for (const [tool, pkg] of Object.entries(REQUIRED_TOOLS)) {
    const path = whichSystem(tool)
    if (!path) throw new EnvironmentError(`${tool} not found`, `install ${pkg}`)
    tools.push([tool, path])
  }
  for (const tool of OPTIONAL_TOOLS) {
    const path = whichSystem(tool)
    if (path) tools.push([tool, path])
    else notes.push(`optional tool ${tool} not installed: not carried`)
  }
  const libs = new Set<string>()
  for (const [tool, path] of [['busybox', busybox], ...tools]) {
    if (tool !== 'busybox') out.push({type: 'file', path: `bin/${tool}`, mode: 0o755, data: readFileSync(path)})
    binaries[`bin/${tool}`] = path
    for (const lib of sharedLibraries(path)) libs.add(lib)
  }
  for (const lib of [...libs].sort()) out.push({type: 'file', path: lib, mode: 0o755, data: readFileSync(lib)})
  const carried = new Set(tools.map(([t]) => t))
  for (const applet of busyboxApplets(busybox)) {
    if (applet !== 'busybox' && !carried.has(applet)) out.push({type: 'symlink', path: `bin/${applet}`, target: 'busybox'})
  }
  return out
}

function moduleEntries(kernel: KernelInfo, notes: string[]): CpioEntry[] {
  const dep = parseModulesDep(readFileSync(join(kernel.modulesDir, 'modules.dep'), 'utf8'))
  const builtinText = (() => { try { return readFileSync(join(kernel.modulesDir, 'modules.builtin'), 'utf8') } catch { return '' } })()
  const plan = planModules(LIVEOS_MODULES, dep, parseModulesBuiltin(builtinText))
  if (plan.missing.length) notes.push(`kernel ${kernel.version} lacks modules: ${plan.missing.join(', ')}`)
  const plain = (p: string) => p.replace(/\.ko\.(xz|zst|gz)$/, '.ko')
  const base = `lib/modules/${kernel.version}`
  return [
    ...plan.loadOrder.map((p): CpioEntry => ({type: 'file', path: `${base}/${plain(p)}`, mode: 0o644, data: readModule(join(kernel.modulesDir, p))})),
    {type: 'file', path: `${base}/modules.dep`, data: Buffer.from(renderModulesDep(plan.loadOrder, dep, plain))},
    {type: 'file', path: `${base}/liveos.load`, data: Buffer.from(plan.loadOrder.map((p) => plain(p) + '\n').join(''))},
  ]
}

/** Collects every file of the LiveOS from the manager's packages and our agent scripts. */
export function liveOsLayout(kernel: KernelInfo, assetsDir: string): Layout {
  const notes: string[] = []
  const binaries: Record<string, string> = {}
  const entries = [
    ...rootSkeleton(ROOT_DIRS, ETC_FILES),
    ...agentEntries(assetsDir),
    ...toolEntries(notes, binaries),
    ...moduleEntries(kernel, notes),
    {type: 'file', path: 'etc/liveos-release', data: Buffer.from(`BMPCTL_LIVEOS_KERNEL=${kernel.version}\n`)},
  ] satisfies CpioEntry[]
  return {entries: withParents(entries), notes, binaries}
}
