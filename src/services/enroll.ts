/**
 * `bmpctl enroll`: inventory → node store, then a BMC check per node.
 *
 * Decisions:
 * - A node whose BMC check passes moves enroll → manageable → available in one go, as
 *   Bifrost's enroll leaves nodes ready to deploy. Nodes already past enroll keep their
 *   state; only their spec is updated.
 * - A failed check keeps the node in `enroll` with lastError = reason; enrolling again
 *   retries it. Nodes past enroll get the event but keep their state and last error.
 * - `--dry-run` validates and diffs against the store; it writes nothing and contacts
 *   no BMC (so it runs anywhere, e.g. in CI, without lab access).
 * - MACs and BMC of a node with work in flight (deploying, cleaning, …) are not changed:
 *   that node is reported `refused` and the run exits 1; other nodes proceed.
 */
import {InputError, type Problem} from '../errors.js'
import {loadInventory} from '../inventory/load.js'
import type {Inventory, NodeSpec} from '../inventory/model.js'
import {matchHostsDetailed} from '../inventory/patterns.js'
import type {Logger} from '../log.js'
import {canonicalSpec, diffSpecs} from '../state/node-rows.js'
import {BUSY_STATES} from '../state/states.js'
import type {Store} from '../state/store.js'
import {ProvisionState} from '../state/types.js'
import {bmcCheck, mapLimit, type BmcCheckResult, type BmcFactory} from './bmc.js'
import {formatTable} from './nodes.js'

export type EnrollResult = 'added' | 'changed' | 'unchanged' | 'refused' | 'failed'

export interface EnrollBmc {
  /** Absent when the check was skipped (--skip-bmc-check, --dry-run, refused). */
  ok?: boolean
  skipped?: boolean
  error?: string
  answeredBy?: string
}

/** One row of `bmpctl enroll` output; never holds a password. */
export interface EnrollRow {
  node: string
  result: EnrollResult
  /** Spec fields that differ from the store (`nics`, `bmc.address`, …). */
  fields: string[]
  bmc: EnrollBmc
  /** Provision state after the run (or now, for --dry-run; `enroll` for a new node). */
  state: ProvisionState
  /** Why the node was refused or could not be stored. */
  error?: string
}

export interface EnrollOptions {
  limit?: string
  dryRun?: boolean
  skipBmcCheck?: boolean
  forks?: number
  /** Per-provider per-call BMC budget. */
  timeoutMs?: number
  factory?: BmcFactory
  log?: Logger
  signal?: AbortSignal
  /** Human warnings (unmatched --limit terms). */
  onWarning?: (message: string) => void
}

export interface EnrollReport {
  rows: EnrollRow[]
  dryRun: boolean
  /** True when any BMC check failed or a node was refused/failed. */
  failed: boolean
}

export async function enrollFile(store: Store, path: string, opts: EnrollOptions = {}): Promise<EnrollReport> {
  return enrollInventory(store, await loadInventory(path), opts)
}

export async function enrollInventory(store: Store, inv: Inventory, opts: EnrollOptions = {}): Promise<EnrollReport> {
  const specs = selectSpecs(inv, opts)
  checkMacOwners(store, specs)
  const rows = specs.map((spec) => planRow(store, spec))
  if (!opts.dryRun) {
    for (const [i, row] of rows.entries()) if (row.result !== 'refused') applySpec(store, specs[i], row)
    if (!opts.skipBmcCheck) await checkBmcs(store, specs, rows, opts)
    else provideUnchecked(store, rows)
  }
  const failed = rows.some((r) => r.result === 'refused' || r.result === 'failed' || r.bmc.ok === false)
  return {rows, dryRun: Boolean(opts.dryRun), failed}
}

function selectSpecs(inv: Inventory, opts: EnrollOptions): NodeSpec[] {
  if (!opts.limit) return [...inv.nodes.values()]
  const m = matchHostsDetailed(inv, opts.limit)
  if (!m.hosts.length) throw new InputError(`--limit "${opts.limit}" matched no node in ${inv.source}`, [], 'use node names or groups from the inventory')
  for (const term of m.unmatched) opts.onWarning?.(`--limit term "${term}" matched no node in ${inv.source}`)
  return m.hosts.map((h) => inv.nodes.get(h)!)
}

/** A MAC held by a node outside this run would make upserts fail half-way: refuse up front. */
function checkMacOwners(store: Store, specs: NodeSpec[]): void {
  const inRun = new Set(specs.map((s) => s.name))
  const problems: Problem[] = []
  for (const spec of specs) {
    for (const [i, nic] of spec.nics.entries()) {
      const owner = store.findNodeByMac(nic.mac)
      if (owner && owner.name !== spec.name && !inRun.has(owner.name)) {
        problems.push({pos: spec.pos, path: `nodes.${spec.name}.nics[${i}].mac`, message: `MAC ${nic.mac} already belongs to enrolled node ${owner.name}`,
          hint: `fix the inventory, or \`bmpctl nodes delete ${owner.name}\` if it was renamed`})
      }
    }
  }
  if (problems.length) throw new InputError('inventory MACs clash with enrolled nodes', problems, 'nothing was changed')
}

/** What enrolling `spec` would do, without writing. */
function planRow(store: Store, spec: NodeSpec): EnrollRow {
  const before = store.getNode(spec.name)
  if (!before) return {node: spec.name, result: 'added', fields: [], bmc: {skipped: true}, state: ProvisionState.Enroll}
  const fields = diffSpecs(before.spec, canonicalSpec(spec))
  const row: EnrollRow = {node: spec.name, result: fields.length ? 'changed' : 'unchanged', fields, bmc: {skipped: true}, state: before.state}
  const risky = fields.filter((f) => f === 'nics' || f.startsWith('bmc.'))
  if (risky.length && BUSY_STATES.has(before.state)) {
    row.result = 'refused'
    row.error = `node ${spec.name} is ${before.state}: will not change ${risky.join(', ')} while work is in flight; enroll again when it is done`
  }
  return row
}

function applySpec(store: Store, spec: NodeSpec, row: EnrollRow): void {
  try {
    const r = store.upsertNode(spec)
    row.result = r.result
    row.fields = r.fields
    row.state = store.requireNode(spec.name).state
  } catch (err) {
    // Only MAC clashes inside this run (e.g. two nodes swapping MACs) reach here.
    row.result = 'failed'
    row.error = (err as Error).message
  }
}

async function checkBmcs(store: Store, specs: NodeSpec[], rows: EnrollRow[], opts: EnrollOptions): Promise<void> {
  const todo = rows.map((row, i) => ({row, spec: specs[i]})).filter((t) => t.row.result !== 'refused' && t.row.result !== 'failed')
  await mapLimit(todo, opts.forks ?? 10, async ({row, spec}) => {
    const r = await bmcCheck({name: spec.name, bmc: spec.bmc}, {timeoutMs: opts.timeoutMs, factory: opts.factory, log: opts.log, signal: opts.signal})
    row.bmc = bmcSummary(r)
    recordCheck(store, row, r)
  })
}

/** --skip-bmc-check: the operator vouches for the BMCs, so new nodes are provided unverified. */
function provideUnchecked(store: Store, rows: EnrollRow[]): void {
  for (const row of rows) {
    if (row.result === 'refused' || row.result === 'failed' || store.requireNode(row.node).state !== ProvisionState.Enroll) continue
    store.transition(row.node, ProvisionState.Manageable, {reason: 'BMC check skipped (--skip-bmc-check)'})
    store.transition(row.node, ProvisionState.Available, {reason: 'provided by enroll'})
    row.state = ProvisionState.Available
  }
}

function bmcSummary(r: BmcCheckResult): EnrollBmc {
  const out: EnrollBmc = {ok: r.ok}
  if (r.error) out.error = r.error
  if (r.answeredBy) out.answeredBy = r.answeredBy
  return out
}

/** Event always; state moves only for nodes still in enroll. */
function recordCheck(store: Store, row: EnrollRow, r: BmcCheckResult): void {
  const data: Record<string, unknown> = {ok: r.ok, answeredBy: r.answeredBy}
  if (r.error) data.error = r.error
  if (r.powerState) data.powerState = r.powerState
  if (r.privilege) data.privilege = r.privilege
  store.addEvent(row.node, 'bmc.check', r.ok ? `BMC answered (${r.answeredBy ?? 'unknown'}), power ${r.powerState}` : `BMC check failed: ${r.error}`, data)
  const node = store.requireNode(row.node)
  if (node.state !== ProvisionState.Enroll) return
  if (r.ok) {
    store.transition(row.node, ProvisionState.Manageable, {reason: 'BMC check passed'})
    store.transition(row.node, ProvisionState.Available, {reason: 'provided by enroll'})
  } else {
    store.transition(row.node, ProvisionState.Enroll, {reason: 'BMC check failed', error: `BMC check failed: ${r.error}`})
  }
  row.state = store.requireNode(row.node).state
}

function bmcText(b: EnrollBmc): string {
  if (b.ok === undefined) return '-'
  if (b.ok) return `ok (${b.answeredBy ?? '?'})`
  return `FAILED: ${b.error ?? 'unknown'}`
}

/** Table for humans: node, result, changed fields, BMC check, state. */
export function formatEnrollTable(report: EnrollReport): string {
  const rows = report.rows.map((r) => [r.node, report.dryRun && r.result !== 'refused' ? `${r.result} (dry run)` : r.result,
    r.fields.join(',') || '-', r.error ? `- (${r.error})` : bmcText(r.bmc), r.state])
  return formatTable(['NODE', 'RESULT', 'CHANGED', 'BMC CHECK', 'STATE'], rows)
}
