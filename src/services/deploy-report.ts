/** The end of a deploy-style run: one outcome per node, the final table, the --json summary. */
import type {LiveOsFacts} from '../liveos/facts.js'
import {formatBytes, formatElapsed} from '../runner/reporters/deploy.js'
import type {ProvisionState} from '../state/types.js'
import type {NodeAction} from './deploy-targets.js'
import {formatTable} from './nodes.js'

export interface NodeOutcome {
  node: string
  /** `ok` when the node reached the action's end state; `failed` otherwise (with a reason). */
  result: 'ok' | 'failed'
  state?: ProvisionState
  durationMs: number
  reason?: string
}

export interface ActionReport {
  action: NodeAction
  outcomes: NodeOutcome[]
  /** Nodes moved from a busy state left by a dead process before the run. */
  recovered: {node: string; from: ProvisionState; to: ProvisionState; reason: string}[]
  cancelled: boolean
  ok: boolean
  /** inspect: collected facts per node. */
  facts?: Record<string, FactsSummary>
}

/** What the final table calls a success for each action. */
const OK_WORD: Record<NodeAction, string> = {deploy: 'active', rebuild: 'active', undeploy: 'available', inspect: 'inspected'}

export function formatReport(r: ActionReport): string {
  if (!r.outcomes.length) return 'no nodes were worked on'
  const rows = r.outcomes.map((o) => [o.node, o.result === 'ok' ? OK_WORD[r.action] : 'failed', o.state ?? '-', formatElapsed(o.durationMs), oneLine(o.reason ?? '')])
  const lines = [formatTable(['NODE', 'RESULT', 'STATE', 'DURATION', 'REASON'], rows)]
  const failed = r.outcomes.filter((o) => o.result === 'failed').length
  lines.push('', `${r.outcomes.length - failed} of ${r.outcomes.length} node${r.outcomes.length > 1 ? 's' : ''} ${OK_WORD[r.action]}${failed ? `, ${failed} failed` : ''}${r.cancelled ? ' (cancelled)' : ''}`)
  if (failed) lines.push('see why with `bmpctl doctor NODE` and `bmpctl events NODE`')
  return lines.join('\n')
}

/** The single JSON line that ends `--json` output. */
export function summaryLine(r: ActionReport): string {
  return JSON.stringify({type: 'summary', ts: new Date().toISOString(), ...r})
}

export interface FactsSummary {
  cpus?: string
  ram?: string
  disks: string[]
  nics: string[]
  system?: string
  bootMode?: string
}

/** CPUs, RAM, disks and NICs from the LiveOS facts an inspection (or deploy) collected. */
export function summarizeHardware(facts: Record<string, unknown>): FactsSummary | undefined {
  const f = facts.liveos as Partial<LiveOsFacts> | undefined
  if (!f || typeof f !== 'object') return undefined
  const out: FactsSummary = {disks: [], nics: []}
  if (f.cpu?.count != null) out.cpus = `${f.cpu.count}${f.cpu.model ? ` × ${f.cpu.model}` : ''}`
  if (f.memoryMiB != null) out.ram = formatBytes(f.memoryMiB * 1024 * 1024)
  for (const d of f.disks ?? []) out.disks.push(`${d.name} ${d.sizeBytes != null ? formatBytes(d.sizeBytes) : '?'}${d.rotational ? ' hdd' : ''}${d.model ? ` ${d.model}` : ''}`)
  for (const n of f.nics ?? []) out.nics.push(`${n.name} ${n.mac ?? '?'}${n.speedMbps ? ` ${n.speedMbps}Mb/s` : ''}${n.carrier === false ? ' no-carrier' : ''}`)
  const system = [f.dmi?.vendor, f.dmi?.product].filter(Boolean).join(' ')
  if (system) out.system = system
  if (f.bootMode) out.bootMode = f.bootMode
  return out
}

export function formatHardware(facts: Record<string, FactsSummary>): string {
  const lines: string[] = []
  for (const [node, f] of Object.entries(facts)) {
    lines.push(`${node}:`)
    if (f.system) lines.push(`  system: ${f.system}${f.bootMode ? ` (${f.bootMode})` : ''}`)
    lines.push(`  cpus:   ${f.cpus ?? '?'}`, `  ram:    ${f.ram ?? '?'}`)
    lines.push(`  disks:  ${f.disks.join('; ') || 'none found'}`, `  nics:   ${f.nics.join('; ') || 'none found'}`)
  }
  return lines.join('\n')
}

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim()
  return flat.length > 100 ? flat.slice(0, 97) + '...' : flat
}
