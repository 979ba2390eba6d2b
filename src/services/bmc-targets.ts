/**
 * Selecting enrolled nodes with Ansible host patterns, so `bmpctl power on rack1:!node-3`
 * reads like `ansible rack1:!node-3 -m …`.
 */
import {describeBoot} from '../bmc/ops.js'
import type {BootDeviceSetting, PowerAction} from '../bmc/types.js'
import {InputError} from '../errors.js'
import type {Inventory} from '../inventory/model.js'
import {matchHostsDetailed} from '../inventory/patterns.js'
import {closest} from '../inventory/suggest.js'
import type {Store} from '../state/store.js'
import type {NodeRecord} from '../state/types.js'
import {parseDuration} from '../runner/params.js'
import {bootDevice, powerAction, type BmcRunOptions, type BootResult, type NodeResult, type PowerOptions, type PowerResult} from './bmc.js'
import {formatTable, withStore} from './nodes.js'

/** An Inventory view of the store: node specs keep the groups they were enrolled with. */
export function storeInventory(nodes: NodeRecord[]): Inventory {
  return {
    source: 'state store',
    format: 'bmpctl',
    nodes: new Map(nodes.map((n) => [n.name, n.spec])),
    groups: new Map(),
    vars: {},
  }
}

export interface Selection {
  nodes: NodeRecord[]
  /** Human warnings: pattern terms that matched nothing while others did. */
  warnings: string[]
}

/**
 * Union of every pattern's hosts, in store order. A pattern that selects nothing is bad
 * input (exit 2) named in the error, with a did-you-mean when a node name is close.
 */
export function selectNodes(store: Store, patterns: string[]): Selection {
  const all = store.listNodes()
  const inv = storeInventory(all)
  const chosen = new Set<string>()
  const warnings: string[] = []
  const empty: {pattern: string; hint?: string}[] = []
  for (const pattern of patterns) {
    const m = matchHostsDetailed(inv, pattern)
    if (!m.hosts.length) {
      empty.push({pattern, hint: suggestion(pattern, all)})
      continue
    }
    m.hosts.forEach((h) => chosen.add(h))
    for (const term of m.unmatched) warnings.push(`pattern "${pattern}": term "${term}" matched no node`)
  }
  if (empty.length) {
    const names = empty.map((e) => `"${e.pattern}"`).join(', ')
    const hints = empty.map((e) => e.hint).filter(Boolean)
    throw new InputError(`host pattern ${names} matched no enrolled node`, empty.map((e) => ({path: 'NODE_PATTERN', message: `"${e.pattern}" matched nothing`, hint: e.hint})),
      hints.length ? undefined : all.length ? 'see `bmpctl nodes list` for names and groups' : 'no nodes are enrolled yet (see `bmpctl enroll`)')
  }
  return {nodes: all.filter((n) => chosen.has(n.name)), warnings}
}

function suggestion(pattern: string, nodes: NodeRecord[]): string | undefined {
  const candidates = new Set<string>()
  for (const n of nodes) {
    candidates.add(n.name)
    n.spec.groups.forEach((g) => candidates.add(g))
  }
  const best = closest(pattern, candidates)
  return best ? `did you mean "${best}"?` : undefined
}

/** A duration flag ("90", "90s", "5m") in ms, or bad input naming the flag. */
export function durationFlag(flag: string, value: string): number {
  try {
    return parseDuration(flag, value) * 1000
  } catch {
    throw new InputError(`--${flag} ${JSON.stringify(value)} is not a duration`, [], 'write seconds or a unit: 90, 90s, 5m, 1h')
  }
}

export interface TargetRun<R> {
  results: R[]
  warnings: string[]
}

/** Selects nodes, then runs `work` with the store closed (BMC calls can be slow), then records events. */
async function overNodes<R extends NodeResult>(dataDir: string, patterns: string[], work: (targets: {name: string; bmc: NodeRecord['spec']['bmc']}[]) => Promise<R[]>,
  record: (r: R) => {kind: string; message: string; data: Record<string, unknown>}): Promise<TargetRun<R>> {
  const {nodes, warnings} = withStore(dataDir, (store) => selectNodes(store, patterns))
  const results = await work(nodes.map((n) => ({name: n.name, bmc: n.spec.bmc})))
  withStore(dataDir, (store) => {
    for (const r of results) {
      const e = record(r)
      // A node deleted meanwhile has nowhere to keep its event; its result is still reported.
      if (store.getNode(r.node)) store.addEvent(r.node, e.kind, e.message, {ok: r.ok, answeredBy: r.answeredBy, ...(r.error ? {error: r.error} : {}), ...e.data})
    }
  })
  return {results, warnings}
}

export function powerNodes(dataDir: string, patterns: string[], action: 'status' | PowerAction, opts: PowerOptions): Promise<TargetRun<PowerResult>> {
  return overNodes(dataDir, patterns, (t) => powerAction(t, action, opts), (r) => ({
    kind: 'bmc.power',
    message: r.ok ? `power ${action}${r.state ? `: ${r.state}` : ''} (${r.answeredBy ?? '?'})` : `power ${action} failed: ${r.error}`,
    data: {action, ...(r.state ? {state: r.state} : {})},
  }))
}

export function bootNodes(dataDir: string, patterns: string[], op: 'get' | {set: BootDeviceSetting}, opts: BmcRunOptions): Promise<TargetRun<BootResult>> {
  const what = op === 'get' ? 'get' : `set ${describeBoot(op.set)}`
  return overNodes(dataDir, patterns, (t) => bootDevice(t, op, opts), (r) => ({
    kind: 'bmc.boot-device',
    message: r.ok ? `boot device ${what}${r.setting ? `: ${describeBoot(r.setting)}` : ''}${r.warning ? ` (warning: ${r.warning})` : ''}` : `boot device ${what} failed: ${r.error}`,
    data: {op: op === 'get' ? 'get' : 'set', ...(r.setting ? {setting: r.setting} : {}), ...(r.warning ? {warning: r.warning} : {})},
  }))
}

function outcome(r: NodeResult): string {
  return r.ok ? 'ok' : `FAILED: ${r.error ?? 'unknown'}`
}

export function formatPowerTable(results: PowerResult[], verbose = false): string {
  const header = ['NODE', 'POWER', 'RESULT', ...(verbose ? ['ANSWERED BY'] : [])]
  return formatTable(header, results.map((r) => [r.node, r.state ?? '-', outcome(r), ...(verbose ? [r.answeredBy ?? '-'] : [])]))
}

export function formatBootTable(results: BootResult[], verbose = false): string {
  const header = ['NODE', 'BOOT DEVICE', 'RESULT', ...(verbose ? ['ANSWERED BY'] : [])]
  return formatTable(header, results.map((r) => [r.node, r.setting ? describeBoot(r.setting) : '-', r.warning && r.ok ? `ok, warning: ${r.warning}` : outcome(r),
    ...(verbose ? [r.answeredBy ?? '-'] : [])]))
}
