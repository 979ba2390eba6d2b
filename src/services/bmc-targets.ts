/**
 * Selecting enrolled nodes with Ansible host patterns, so `bmpctl power on rack1:!node-3`
 * reads like `ansible rack1:!node-3 -m …`.
 */
import {InputError} from '../errors.js'
import type {Inventory} from '../inventory/model.js'
import {matchHostsDetailed} from '../inventory/patterns.js'
import {closest} from '../inventory/suggest.js'
import type {Store} from '../state/store.js'
import type {NodeRecord} from '../state/types.js'

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
