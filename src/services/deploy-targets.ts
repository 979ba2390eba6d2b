/**
 * Which enrolled nodes a deploy/undeploy/inspect/rebuild run works on: selection by host
 * pattern, recovery of nodes left mid-operation by a dead process, reservations, and the
 * refusal of nodes whose provision state does not allow the action.
 */
import {InputError} from '../errors.js'
import type {Inventory, NodeSpec} from '../inventory/model.js'
import {matchHostsDetailed} from '../inventory/patterns.js'
import {closest} from '../inventory/suggest.js'
import {ReservationError, type HeldReservation, type Store} from '../state/store.js'
import {thisHost} from '../state/reservations.js'
import {ProvisionState as S, type NodeRecord, type ProvisionState, type Reservation} from '../state/types.js'

export type NodeAction = 'deploy' | 'rebuild' | 'undeploy' | 'inspect'

/** What each operator action runs and which provision states it starts from and ends in. */
export interface ActionSpec {
  /** Playbook file name under playbooks/. */
  playbook: string
  /** Recorded in the reservation (and so in "reserved by … (deploy)" messages). */
  purpose: string
  from: readonly ProvisionState[]
  /** States that count as success once the playbook is over. */
  done: readonly ProvisionState[]
  /** Where a node goes when the run is cancelled or ends with it still busy. */
  failed: ProvisionState
}

export const ACTIONS: Readonly<Record<NodeAction, ActionSpec>> = {
  deploy: {playbook: 'deploy.yaml', purpose: 'deploy', from: [S.Available, S.DeployFailed], done: [S.Active], failed: S.DeployFailed},
  rebuild: {playbook: 'deploy.yaml', purpose: 'deploy', from: [S.Active, S.Available, S.DeployFailed], done: [S.Active], failed: S.DeployFailed},
  undeploy: {playbook: 'undeploy.yaml', purpose: 'undeploy', from: [S.Active, S.DeployFailed, S.CleanFailed], done: [S.Available], failed: S.CleanFailed},
  inspect: {playbook: 'inspect.yaml', purpose: 'inspect', from: [S.Manageable, S.Available, S.InspectFailed], done: [S.Manageable, S.Available], failed: S.InspectFailed},
}

/** A node left in one of these states by a process that is gone falls into the paired failed state. */
export const INTERRUPTED_TO: Readonly<Partial<Record<ProvisionState, ProvisionState>>> = {
  [S.Deploying]: S.DeployFailed,
  [S.WaitCallback]: S.DeployFailed,
  [S.Inspecting]: S.InspectFailed,
  [S.Undeploying]: S.CleanFailed,
  [S.Cleaning]: S.CleanFailed,
}

/** The store's nodes as an inventory, so host patterns and groups work as in playbooks. */
export function storeInventory(store: Store): Inventory {
  const nodes = new Map<string, NodeSpec>(store.listNodes().map((n) => [n.name, n.spec]))
  return {source: '<state store>', format: 'bmpctl', nodes, groups: new Map(), vars: {}}
}

/** Enrolled node names matching any of the patterns (all when none); unmatched terms are input errors. */
export function selectNodes(inv: Inventory, patterns: string[]): string[] {
  const known = [...inv.nodes.keys()]
  if (!known.length) throw new InputError('no nodes are enrolled', [], 'enroll them first (`bmpctl enroll -i INVENTORY`, or pass -i here)')
  if (!patterns.length) return known
  const chosen = new Set<string>()
  const problems = []
  for (const pattern of patterns) {
    const m = matchHostsDetailed(inv, pattern)
    m.hosts.forEach((h) => chosen.add(h))
    for (const term of m.unmatched) {
      const best = closest(term.replace(/^[!&]/, ''), known)
      problems.push({path: pattern, message: `"${term}" matches no enrolled node`, hint: best ? `did you mean "${best}"?` : 'see `bmpctl nodes list`'})
    }
  }
  if (problems.length) throw new InputError('node patterns match nothing', problems)
  return known.filter((n) => chosen.has(n))
}

/** Text for a reservation left behind by a dead process. */
export function interruptedReason(old: Reservation | undefined): string {
  return old
    ? `interrupted: ${old.purpose} process ${old.pid} on ${old.host} died`
    : 'interrupted: the process working on it is gone (no reservation left)'
}

/** A node whose reservation could not be taken: reported failed, the others go on. */
export interface Conflict {
  node: string
  reason: string
  holder?: Reservation
}

export interface Claimed {
  /** Reservations held for the run, in selection order. */
  held: HeldReservation[]
  conflicts: Conflict[]
  /** Nodes moved out of a busy state because their process had died. */
  recovered: {node: string; from: ProvisionState; to: ProvisionState; reason: string}[]
}

/**
 * Reserves each node, then moves nodes left busy by a dead process to their failed state
 * (we hold the reservation, so nobody live is working on them). A live holder is a conflict.
 */
export function claimNodes(store: Store, names: string[], purpose: string): Claimed {
  const out: Claimed = {held: [], conflicts: [], recovered: []}
  for (const name of names) {
    const before = store.reservation(name)
    let held: HeldReservation
    try {
      held = store.reserve(name, purpose)
    } catch (err) {
      if (!(err instanceof ReservationError)) throw err
      out.conflicts.push({node: name, reason: err.message, holder: err.holder})
      continue
    }
    out.held.push(held)
    const node = store.requireNode(name)
    const to = INTERRUPTED_TO[node.state]
    if (!to) continue
    if (before && ownedHere(before)) continue
    const reason = interruptedReason(before)
    store.transition(name, to, {reason, error: reason})
    out.recovered.push({node: name, from: node.state, to, reason})
  }
  return out
}

const ownedHere = (r: Reservation) => r.pid === process.pid && r.host === thisHost

/** One line per node whose state does not allow the action, naming node, state and what is allowed. */
export function refusals(nodes: NodeRecord[], action: NodeAction): string[] {
  const spec = ACTIONS[action]
  return nodes
    .filter((n) => !spec.from.includes(n.state))
    .map((n) => `node ${n.name} is in state "${n.state}"; ${action} needs ${spec.from.map((s) => `"${s}"`).join(' or ')}${stateHint(n.state, action)}`)
}

function stateHint(state: ProvisionState, action: NodeAction): string {
  if (state === S.Active && action === 'deploy') return ' (use `bmpctl rebuild` to redeploy an active node)'
  if (state === S.Enroll || state === S.Manageable) return ' (verify and provide it first: `bmpctl enroll`)'
  if (state === S.Error) return ' (fix it, then move it on)'
  return ''
}

/** Throws the refusals as one input error (exit 2); call before anything runs. */
export function assertStates(nodes: NodeRecord[], action: NodeAction): void {
  const lines = refusals(nodes, action)
  if (lines.length) {
    throw new InputError(`${lines.length} node${lines.length > 1 ? 's' : ''} cannot be ${pastTense(action)} now`, lines.map((message) => ({message})))
  }
}

function pastTense(action: NodeAction): string {
  return {deploy: 'deployed', rebuild: 'rebuilt', undeploy: 'undeployed', inspect: 'inspected'}[action]
}
