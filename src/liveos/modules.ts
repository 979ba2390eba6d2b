/**
 * Kernel module selection for the LiveOS: which drivers to carry and in which order to
 * load them, resolved from the kernel's own modules.dep (no depmod at boot).
 */

/** NICs and disk controllers commonly found in servers and VMs, plus filesystems deploy steps use. */
export const LIVEOS_MODULES = [
  'virtio_pci', 'virtio_net', 'virtio_blk', 'virtio_scsi',
  'e1000', 'e1000e', 'igb', 'ixgbe', 'i40e', 'mlx5_core',
  'ahci', 'nvme', 'megaraid_sas', 'sd_mod',
  'isofs', 'vfat',
] as const

/** Module name from a modules.dep path: `kernel/drivers/net/virtio_net.ko.xz` → `virtio_net`. */
export function moduleName(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1).replace(/\.ko(\.(xz|zst|gz))?$/, '')
  return base.replace(/-/g, '_')
}

/** Parses modules.dep text into name → {path, deps (paths)}. */
export function parseModulesDep(text: string): Map<string, {path: string; deps: string[]}> {
  const out = new Map<string, {path: string; deps: string[]}>()
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':')
    if (colon < 0) continue
    const path = line.slice(0, colon).trim()
    const deps = line.slice(colon + 1).trim().split(/\s+/).filter(Boolean)
    out.set(moduleName(path), {path, deps})
  }
  return out
}

/** Names listed in modules.builtin (compiled into the kernel: nothing to load). */
export function parseModulesBuiltin(text: string): Set<string> {
  return new Set(text.split('\n').filter(Boolean).map(moduleName))
}

export interface ModulePlan {
  /** modules.dep paths in load order (dependencies first). */
  loadOrder: string[]
  /** Wanted names that are built into the kernel. */
  builtin: string[]
  /** Wanted names this kernel has neither as module nor built in. */
  missing: string[]
}

/** Resolves wanted module names to a dependency-ordered list of module paths. */
export function planModules(wanted: readonly string[], dep: Map<string, {path: string; deps: string[]}>, builtin: Set<string>): ModulePlan {
  const byPath = new Map([...dep.values()].map((m) => [m.path, m]))
  const order: string[] = []
  const seen = new Set<string>()
  const visit = (path: string, stack: string[]) => {
    if (seen.has(path)) return
    if (stack.includes(path)) throw new Error(`module dependency cycle: ${[...stack, path].join(' → ')}`)
    const mod = byPath.get(path)
    if (!mod) throw new Error(`modules.dep names ${path} as a dependency but has no entry for it`)
    for (const d of mod.deps) visit(d, [...stack, path])
    seen.add(path)
    order.push(path)
  }
  const plan: ModulePlan = {loadOrder: order, builtin: [], missing: []}
  for (const raw of wanted) {
    const name = moduleName(raw)
    const mod = dep.get(name)
    if (mod) visit(mod.path, [])
    else if (builtin.has(name)) plan.builtin.push(name)
    else plan.missing.push(name)
  }
  return plan
}

/** modules.dep text for just the carried modules (paths already renamed to plain `.ko`). */
export function renderModulesDep(loadOrder: string[], dep: Map<string, {path: string; deps: string[]}>, rename: (p: string) => string): string {
  const byPath = new Map([...dep.values()].map((m) => [m.path, m]))
  return loadOrder.map((p) => `${rename(p)}: ${(byPath.get(p)?.deps ?? []).map(rename).join(' ')}`.trimEnd() + '\n').join('')
}
