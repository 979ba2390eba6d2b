/**
 * Group membership and per-host variables with Ansible's precedence, so playbooks see
 * the same values they would under ansible-playbook.
 */
import {type Inventory, type NodeSpec, redactBmc} from './model.js'

/** Every group (plus `all` and `ungrouped`) → member hosts in inventory order, children included. */
export function groupMembers(inv: Inventory): Record<string, string[]> {
  const order = [...inv.nodes.keys()]
  const names = allGroupNames(inv)
  const direct = new Map<string, Set<string>>(names.map((g) => [g, new Set(inv.groups.get(g)?.hosts ?? [])]))
  for (const node of inv.nodes.values()) for (const g of node.groups) direct.get(g)?.add(node.name)
  const cache = new Map<string, Set<string>>()
  const collect = (g: string, visiting: Set<string>): Set<string> => {
    const hit = cache.get(g)
    if (hit) return hit
    const out = new Set(direct.get(g) ?? [])
    // Cycles are load-time errors; the guard only keeps hand-built inventories from looping.
    visiting.add(g)
    for (const c of inv.groups.get(g)?.children ?? []) if (!visiting.has(c)) for (const h of collect(c, visiting)) out.add(h)
    visiting.delete(g)
    cache.set(g, out)
    return out
  }
  const result: Record<string, string[]> = {all: order}
  const grouped = new Set<string>()
  for (const g of names) {
    const set = collect(g, new Set())
    result[g] = order.filter((h) => set.has(h))
    set.forEach((h) => grouped.add(h))
  }
  result.ungrouped = order.filter((h) => !grouped.has(h))
  return result
}

function allGroupNames(inv: Inventory): string[] {
  const names = new Set(inv.groups.keys())
  for (const node of inv.nodes.values()) node.groups.forEach((g) => names.add(g))
  names.delete('all')
  names.delete('ungrouped')
  return [...names]
}

/** Depth of each group below `all` (top-level groups are 1), like Ansible's group depth. */
function groupDepths(inv: Inventory, names: string[]): Map<string, number> {
  const depth = new Map(names.map((g) => [g, 1]))
  // Relax parent → child edges; bounded so a cycle cannot loop forever.
  for (let round = 0; round < names.length; round++) {
    let changed = false
    for (const g of names) {
      for (const c of inv.groups.get(g)?.children ?? []) {
        const want = depth.get(g)! + 1
        if (depth.has(c) && depth.get(c)! < want) {
          depth.set(c, want)
          changed = true
        }
      }
    }
    if (!changed) break
  }
  return depth
}

/**
 * Variables for one host: top-level vars (group all) → group vars (shallower groups
 * first, then by name) → the node's own vars; plus `bmpctl_node` (no secrets).
 */
export function hostVars(inv: Inventory, name: string): Record<string, unknown> {
  const node = inv.nodes.get(name)
  if (!node) throw new Error(`unknown host "${name}"`)
  const members = groupMembers(inv)
  const mine = allGroupNames(inv).filter((g) => members[g].includes(name))
  const depth = groupDepths(inv, allGroupNames(inv))
  mine.sort((a, b) => depth.get(a)! - depth.get(b)! || (a < b ? -1 : a > b ? 1 : 0))
  const vars: Record<string, unknown> = {...inv.vars}
  for (const g of mine) Object.assign(vars, inv.groups.get(g)?.vars ?? {})
  Object.assign(vars, node.vars)
  vars.bmpctl_node = nodeFacts(node)
  return structuredClone(vars)
}

/** The node's data a playbook may read; the BMC password (even its source) is left out. */
export function nodeFacts(node: NodeSpec): Record<string, unknown> {
  const {password: _omit, ...bmc} = redactBmc(node.bmc)
  return {
    name: node.name,
    ...(node.uuid ? {uuid: node.uuid} : {}),
    macs: node.nics.map((n) => n.mac),
    network: node.network,
    ...(node.image ? {image: node.image} : {}),
    properties: node.properties,
    bmc,
    groups: node.groups,
  }
}
