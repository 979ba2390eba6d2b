/**
 * Checks that span nodes (duplicates, credentials, group graph), shared by all three
 * inventory forms so a CSV and a YAML inventory are held to the same rules.
 */
import type {BmcSpec, GroupSpec, NodeSpec} from './model.js'
import type {Ref} from './fields.js'
import type {Problems} from './positions.js'
import {didYouMean} from './suggest.js'

/** A parsed node plus where its identifying fields were written. */
export interface Draft {
  spec: NodeSpec
  name: Ref
  macs: Ref[]
  bmcAddress?: Ref
}

/** Where a group's fields were written, for cycle and unknown-member messages. */
export interface GroupRefs {
  group: Ref
  hosts: Ref[]
  children: Ref[]
}

export interface CredentialFields {
  username: Ref
  password: Ref
  hint: string
}

/** Username and one password source are needed for every real BMC. */
export function checkCredentials(p: Problems, bmc: BmcSpec, f: CredentialFields): void {
  if (bmc.driver === 'fake') return
  if (!bmc.username) p.add(f.username.path, f.username.pos, 'missing BMC username', f.hint)
  if (!bmc.password) p.add(f.password.path, f.password.pos, 'missing BMC password', f.hint)
}

function defaultPort(bmc: BmcSpec): number {
  if (bmc.driver === 'ipmi' || bmc.driver === 'ipmitool') return 623
  return bmc.scheme === 'http' ? 80 : 443
}

const at = (r: Ref) => (r.pos ? ` (line ${r.pos.line}:${r.pos.col})` : '')

/** Names, MACs and BMC endpoints must be unique across the inventory. */
export function checkUnique(p: Problems, drafts: Draft[]): void {
  const names = new Map<string, Ref>()
  const macs = new Map<string, {node: string; ref: Ref}>()
  const bmcs = new Map<string, {node: string; ref: Ref}>()
  for (const d of drafts) {
    const first = names.get(d.spec.name)
    if (first) p.add(d.name.path, d.name.pos, `duplicate node name "${d.spec.name}", first defined at ${first.path}${at(first)}`, 'give each node a unique name')
    else names.set(d.spec.name, d.name)
    d.spec.nics.forEach((nic, i) => {
      const ref = d.macs[i]
      const prev = macs.get(nic.mac)
      if (prev && prev.node !== d.spec.name) {
        p.add(ref.path, ref.pos, `MAC ${nic.mac} is also used by node "${prev.node}"${at(prev.ref)}`, 'a NIC belongs to one machine; fix the copy-paste')
      } else if (!prev) macs.set(nic.mac, {node: d.spec.name, ref})
    })
    const bmc = d.spec.bmc
    if (bmc.driver === 'fake' || !bmc.address || !d.bmcAddress) continue
    // A Redfish BMC may serve several systems, so the system id is part of the identity.
    const key = `${bmc.address}:${bmc.port ?? defaultPort(bmc)}${bmc.driver === 'redfish' ? `/${bmc.systemId ?? ''}` : ''}`
    const prevBmc = bmcs.get(key)
    if (prevBmc) {
      p.add(d.bmcAddress.path, d.bmcAddress.pos, `BMC ${bmc.address} port ${bmc.port ?? defaultPort(bmc)} is also used by node "${prevBmc.node}"${at(prevBmc.ref)}`, 'each node needs its own BMC address or port')
    } else bmcs.set(key, {node: d.spec.name, ref: d.bmcAddress})
  }
}

/** Group hosts must exist; children must name known groups and must not form a cycle. */
export function checkGroups(p: Problems, groups: Map<string, GroupSpec>, refs: Map<string, GroupRefs>, nodes: Draft[]): void {
  const hostNames = nodes.map((d) => d.spec.name)
  const known = new Set([...groups.keys(), ...nodes.flatMap((d) => d.spec.groups)])
  for (const [name, g] of groups) {
    const r = refs.get(name)
    g.hosts.forEach((h, i) => {
      const ref = r?.hosts[i] ?? {path: `groups.${name}.hosts`}
      if (!hostNames.includes(h)) p.add(ref.path, ref.pos, `group "${name}" lists unknown host "${h}"`, didYouMean(h, hostNames))
    })
    g.children.forEach((c, i) => {
      const ref = r?.children[i] ?? {path: `groups.${name}.children`}
      if (!known.has(c)) p.add(ref.path, ref.pos, `group "${name}" lists unknown child group "${c}"`, didYouMean(c, [...known]))
    })
  }
  for (const cycle of findCycles(groups)) {
    const [head, next] = cycle
    const r = refs.get(head)
    const idx = groups.get(head)!.children.indexOf(next)
    const ref = r?.children[idx] ?? r?.group ?? {path: `groups.${head}`}
    p.add(ref.path, ref.pos, `group cycle: ${cycle.join(' → ')}`, 'a group cannot be its own ancestor; remove one of these children entries')
  }
}

/** Each distinct cycle once, as the list of group names starting and ending at the same group. */
export function findCycles(groups: Map<string, GroupSpec>): string[][] {
  const cycles: string[][] = []
  const seen = new Set<string>()
  const state = new Map<string, 'active' | 'done'>()
  const visit = (name: string, stack: string[]) => {
    state.set(name, 'active')
    for (const child of groups.get(name)?.children ?? []) {
      if (state.get(child) === 'active') {
        const cycle = [...stack.slice(stack.indexOf(child)), child]
        const key = [...cycle.slice(0, -1)].sort().join(',')
        if (!seen.has(key)) {
          seen.add(key)
          cycles.push(cycle)
        }
      } else if (!state.has(child)) visit(child, [...stack, child])
    }
    state.set(name, 'done')
  }
  for (const name of groups.keys()) if (!state.has(name)) visit(name, [name])
  return cycles
}
