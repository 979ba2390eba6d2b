/** Adapts the inventory model to the narrow view the runner needs (no inventory internals leak in). */
import type {Inventory} from '../inventory/model.js'
import {matchHosts} from '../inventory/patterns.js'
import {groupMembers, hostVars} from '../inventory/vars.js'
import type {RunnerInventory} from './types.js'

export function fromInventory(inv: Inventory): RunnerInventory {
  const groups = groupMembers(inv)
  const cache = new Map<string, string[]>()
  return {
    hosts: [...inv.nodes.keys()],
    groups,
    hostVars: (name) => hostVars(inv, name),
    match: (pattern) => {
      let hit = cache.get(pattern)
      if (!hit) cache.set(pattern, (hit = matchHosts(inv, pattern)))
      return hit
    },
  }
}

/** A hand-built inventory: hosts with vars, groups by name (tests, benchmarks, `-i host1,host2`). */
export function simpleInventory(hostVars: Record<string, Record<string, unknown>>, groups: Record<string, string[]> = {}): RunnerInventory {
  const hosts = Object.keys(hostVars)
  const all: Record<string, string[]> = {all: hosts, ...groups}
  const one = (p: string): string[] => {
    if (p === 'all' || p === '*') return hosts
    if (all[p]) return all[p]
    if (p.includes('*')) {
      const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`)
      return hosts.filter((h) => re.test(h))
    }
    return hosts.includes(p) ? [p] : []
  }
  return {
    hosts,
    groups: all,
    hostVars: (name) => ({...hostVars[name]}),
    match: (pattern) => {
      const terms = pattern.split(/[:,]/).map((t) => t.trim()).filter(Boolean)
      let out = new Set(terms.filter((t) => !/^[!&]/.test(t)).flatMap(one))
      for (const t of terms.filter((t) => t.startsWith('&'))) { const keep = new Set(one(t.slice(1))); out = new Set([...out].filter((h) => keep.has(h))) }
      for (const t of terms.filter((t) => t.startsWith('!'))) for (const h of one(t.slice(1))) out.delete(h)
      return hosts.filter((h) => out.has(h))
    },
  }
}
