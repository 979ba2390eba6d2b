/**
 * Variable scope for one host at one task, in Ansible's (role-less) precedence:
 * inventory → play vars → vars_files → block/task vars → set_fact/register → extra vars.
 */
import type {HostRun, PlayCtx, RunCtx} from './context.js'
import type {Task} from './types.js'

export function inventoryVars(run: RunCtx, host: string): Record<string, unknown> {
  let v = run.inventoryVars.get(host)
  if (!v) run.inventoryVars.set(host, (v = run.inventory.hostVars(host)))
  return v
}

/** `hostvars[name]`: lazily built per host so 1000-host plays stay cheap. */
function hostvarsProxy(run: RunCtx): Record<string, unknown> {
  const all = run.inventory.hosts
  const known = new Set(all)
  const view = (h: string) => ({...inventoryVars(run, h), ...run.hosts.get(h)?.facts, ...run.extraVars, inventory_hostname: h})
  return new Proxy({}, {
    get: (_t, k) => (typeof k === 'string' && known.has(k) ? view(k) : undefined),
    has: (_t, k) => typeof k === 'string' && known.has(k),
    ownKeys: () => all,
    getOwnPropertyDescriptor: (_t, k) => (typeof k === 'string' && known.has(k) ? {enumerable: true, configurable: true, value: view(k)} : undefined),
  })
}

const hostvarsCache = new WeakMap<RunCtx, Record<string, unknown>>()

/** Names visible everywhere in a play for this host (inventory_hostname, groups, …). */
function magic(pc: PlayCtx, host: string): Record<string, unknown> {
  const run = pc.run
  let hostvars = hostvarsCache.get(run)
  if (!hostvars) hostvarsCache.set(run, (hostvars = hostvarsProxy(run)))
  const groups = run.inventory.groups
  return {
    inventory_hostname: host,
    inventory_hostname_short: host.split('.')[0],
    hostvars,
    groups: {all: run.inventory.hosts, ...groups},
    group_names: Object.keys(groups).filter((g) => g !== 'all' && g !== 'ungrouped' && groups[g].includes(host)).sort(),
    play_hosts: pc.batch.filter((h) => !run.failed.has(h) && !run.unreachable.has(h)),
    ansible_play_hosts: pc.playHosts.filter((h) => !run.failed.has(h) && !run.unreachable.has(h)),
    ansible_play_hosts_all: pc.playHosts,
    ansible_play_batch: pc.batch.filter((h) => !run.failed.has(h) && !run.unreachable.has(h)),
    ansible_play_name: pc.play.name,
    ansible_check_mode: run.check,
    playbook_dir: run.pb.dir,
    omit: '__omit_place_holder__',
  }
}

/** The full scope for a task on a host; `layers` are block vars outer→inner plus include vars. */
export function taskVars(pc: PlayCtx, h: HostRun, layers: Record<string, unknown>[], task?: Task): Record<string, unknown> {
  const out: Record<string, unknown> = {...inventoryVars(pc.run, h.name), ...pc.playVars}
  for (const l of layers) Object.assign(out, l)
  if (task) Object.assign(out, task.vars)
  Object.assign(out, h.data.facts, pc.run.extraVars, magic(pc, h.name))
  return out
}
