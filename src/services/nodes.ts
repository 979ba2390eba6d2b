import {redactBmc, type NodeSpec} from '../inventory/model.js'
import {openStore, type Store} from '../state/store.js'
import type {NodeEvent, NodeRecord, ProvisionState, Reservation} from '../state/types.js'

/** One row of `bmpctl nodes list`; safe to print (no BMC password value). */
export interface NodeSummary {
  name: string
  state: ProvisionState
  bmc: ReturnType<typeof redactBmc>
  macs: string[]
  lastError?: string
  updatedAt: string
}

/** `bmpctl nodes show`: the record with secrets redacted, a facts digest and recent events. */
export interface NodeDetail {
  name: string
  state: ProvisionState
  spec: Omit<NodeSpec, 'bmc'> & {bmc: ReturnType<typeof redactBmc>}
  facts: Record<string, unknown>
  factsSummary: Record<string, string>
  lastError?: string
  reservation?: Reservation
  createdAt: string
  updatedAt: string
  events: NodeEvent[]
}

/** Opens the store under dataDir for one use-case and always closes it. */
export function withStore<T>(dataDir: string, fn: (store: Store) => T): T {
  const store = openStore(dataDir)
  try {
    return fn(store)
  } finally {
    store.close()
  }
}

export function summarize(node: NodeRecord): NodeSummary {
  const s: NodeSummary = {
    name: node.name,
    state: node.state,
    bmc: redactBmc(node.spec.bmc),
    macs: node.spec.nics.map((n) => n.mac),
    updatedAt: node.updatedAt,
  }
  if (node.lastError) s.lastError = node.lastError
  return s
}

export function listNodes(store: Store): NodeSummary[] {
  return store.listNodes().map(summarize)
}

export function showNode(store: Store, name: string, eventLimit = 20): NodeDetail {
  const node = store.requireNode(name)
  const d: NodeDetail = {
    name: node.name,
    state: node.state,
    spec: {...node.spec, bmc: redactBmc(node.spec.bmc)},
    facts: node.facts,
    factsSummary: summarizeFacts(node.facts),
    createdAt: node.createdAt,
    updatedAt: node.updatedAt,
    events: store.events(name, {limit: eventLimit}),
  }
  if (node.lastError) d.lastError = node.lastError
  const r = store.reservation(name)
  if (r) d.reservation = r
  return d
}

/** Refused (exit 1, naming the state) while the node is busy or reserved by a live run. */
export function deleteNode(store: Store, name: string): {deleted: string; state: ProvisionState} {
  const node = store.requireNode(name)
  store.deleteNode(name)
  return {deleted: name, state: node.state}
}

/** One short line per top-level fact: scalars as is, lists by count, objects by keys. */
export function summarizeFacts(facts: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(facts)) {
    let s: string
    if (Array.isArray(v)) s = `${v.length} item${v.length === 1 ? '' : 's'}`
    else if (v && typeof v === 'object') s = `{${Object.keys(v).join(', ')}}`
    else s = String(v)
    out[k] = s.length > 60 ? s.slice(0, 57) + '...' : s
  }
  return out
}

function bmcText(b: NodeSummary['bmc']): string {
  return `${b.driver} ${b.address}${b.port ? `:${b.port}` : ''}`
}

/** Plain aligned columns; no colour so it pipes cleanly. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

export function formatNodeList(rows: NodeSummary[]): string {
  if (!rows.length) return 'no nodes enrolled (see `bmpctl enroll`)'
  return formatTable(['NAME', 'STATE', 'BMC', 'MACS', 'LAST ERROR'],
    rows.map((r) => [r.name, r.state, bmcText(r.bmc), r.macs.join(','), oneLine(r.lastError ?? '')]))
}

export function formatNodeDetail(d: NodeDetail): string {
  const lines = [
    `name:        ${d.name}`,
    `state:       ${d.state}`,
    `bmc:         ${bmcText(d.spec.bmc)}${d.spec.bmc.username ? ` user ${d.spec.bmc.username}` : ''}${d.spec.bmc.password ? ` password ${d.spec.bmc.password}` : ''}`,
    `macs:        ${d.spec.nics.map((n) => n.mac).join(', ') || '-'}`,
  ]
  if (d.spec.network.ipv4) lines.push(`ipv4:        ${d.spec.network.ipv4.address}${d.spec.network.ipv4.gateway ? ` via ${d.spec.network.ipv4.gateway}` : ''}`)
  if (d.spec.image) lines.push(`image:       ${d.spec.image.url}`)
  if (d.lastError) lines.push(`last error:  ${oneLine(d.lastError)}`)
  if (d.reservation) lines.push(`reserved:    pid ${d.reservation.pid} on ${d.reservation.host} since ${d.reservation.since} (${d.reservation.purpose})`)
  lines.push(`updated:     ${d.updatedAt}`)
  const facts = Object.entries(d.factsSummary)
  lines.push('', facts.length ? 'facts:' : 'facts: none yet (inspect or deploy to collect them)')
  for (const [k, v] of facts) lines.push(`  ${k}: ${v}`)
  lines.push('', d.events.length ? `last ${d.events.length} events:` : 'events: none')
  for (const e of d.events) lines.push(`  ${e.ts}  ${e.kind.padEnd(20)} ${oneLine(e.message)}`)
  return lines.join('\n')
}

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim()
  return flat.length > 100 ? flat.slice(0, 97) + '...' : flat
}
