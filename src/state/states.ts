import {BmpError, ExitCode} from '../errors.js'
import {ProvisionState} from './types.js'

/**
 * The provision-state machine (Ironic's model, trimmed), as data checked in one place.
 *
 *   from            → to                 why
 *   enroll          → manageable         BMC credentials verified
 *   enroll          → enroll             BMC re-check failed or pending; stay enrolled
 *   manageable      → available          provide: offer the node for deployment
 *   manageable      → inspecting         collect hardware facts
 *   available       → deploying          deploy started
 *   available       → inspecting         re-inspect a ready node
 *   available       → manageable         take the node out of the pool
 *   inspecting      → manageable         inspection done (started from manageable)
 *   inspecting      → available          inspection done (started from available)
 *   inspecting      → inspect-failed     inspection failed
 *   inspect-failed  → inspecting         retry inspection
 *   inspect-failed  → manageable         give up, keep the node managed
 *   deploying       → wait-callback      LiveOS booting; waiting for it to call back
 *   deploying       → active             image written and the installed OS is up
 *   deploying       → deploy-failed      a deploy step failed
 *   wait-callback   → deploying          LiveOS called back; continue the deploy
 *   wait-callback   → deploy-failed      call-back timed out
 *   deploy-failed   → deploying          retry the deploy
 *   deploy-failed   → undeploying        tear down the half-written node
 *   active          → undeploying        teardown requested
 *   active          → deploying          rebuild with a (new) image
 *   undeploying     → cleaning           wipe the disks
 *   undeploying     → available          teardown done, cleaning skipped
 *   undeploying     → clean-failed       teardown could not prepare the wipe
 *   cleaning        → available          disks wiped
 *   cleaning        → clean-failed       wipe failed
 *   clean-failed    → cleaning           retry the wipe
 *   clean-failed    → undeploying        retry the whole teardown (boot the LiveOS again)
 *   clean-failed    → manageable         give up, keep the node managed
 *   error           → manageable         operator fixed the problem
 *   error           → available          operator vouches the node is ready
 *   (any but error) → error              unexpected failure outside a known step
 *
 * Decision: deploy-failed does NOT go straight to available. A failed deploy may leave a
 * half-written disk and boot overrides behind, so it must pass through undeploying
 * (which powers off and clears boot configs) before the node is offered again.
 */
export interface Transition {
  to: ProvisionState
  doc: string
}

const S = ProvisionState

export const TRANSITIONS: Readonly<Record<ProvisionState, readonly Transition[]>> = withError({
  [S.Enroll]: [
    {to: S.Manageable, doc: 'BMC credentials verified'},
    {to: S.Enroll, doc: 'BMC re-check failed or pending; stay enrolled'},
  ],
  [S.Manageable]: [
    {to: S.Available, doc: 'provide: offer the node for deployment'},
    {to: S.Inspecting, doc: 'collect hardware facts'},
  ],
  [S.Available]: [
    {to: S.Deploying, doc: 'deploy started'},
    {to: S.Inspecting, doc: 're-inspect a ready node'},
    {to: S.Manageable, doc: 'take the node out of the pool'},
  ],
  [S.Inspecting]: [
    {to: S.Manageable, doc: 'inspection done (started from manageable)'},
    {to: S.Available, doc: 'inspection done (started from available)'},
    {to: S.InspectFailed, doc: 'inspection failed'},
  ],
  [S.InspectFailed]: [
    {to: S.Inspecting, doc: 'retry inspection'},
    {to: S.Manageable, doc: 'give up, keep the node managed'},
  ],
  [S.Deploying]: [
    {to: S.WaitCallback, doc: 'LiveOS booting; waiting for it to call back'},
    {to: S.Active, doc: 'image written and the installed OS is up'},
    {to: S.DeployFailed, doc: 'a deploy step failed'},
  ],
  [S.WaitCallback]: [
    {to: S.Deploying, doc: 'LiveOS called back; continue the deploy'},
    {to: S.DeployFailed, doc: 'call-back timed out'},
  ],
  [S.DeployFailed]: [
    {to: S.Deploying, doc: 'retry the deploy'},
    {to: S.Undeploying, doc: 'tear down the half-written node'},
  ],
  [S.Active]: [
    {to: S.Undeploying, doc: 'teardown requested'},
    {to: S.Deploying, doc: 'rebuild with a (new) image'},
  ],
  [S.Undeploying]: [
    {to: S.Cleaning, doc: 'wipe the disks'},
    {to: S.Available, doc: 'teardown done, cleaning skipped'},
    {to: S.CleanFailed, doc: 'teardown could not prepare the wipe'},
  ],
  [S.Cleaning]: [
    {to: S.Available, doc: 'disks wiped'},
    {to: S.CleanFailed, doc: 'wipe failed'},
  ],
  [S.CleanFailed]: [
    {to: S.Cleaning, doc: 'retry the wipe'},
    {to: S.Undeploying, doc: 'retry the whole teardown (boot the LiveOS again)'},
    {to: S.Manageable, doc: 'give up, keep the node managed'},
  ],
  [S.Error]: [
    {to: S.Manageable, doc: 'operator fixed the problem'},
    {to: S.Available, doc: 'operator vouches the node is ready'},
  ],
})

/** Every state may fall into error (except error itself), so the table adds it once. */
function withError(t: Record<ProvisionState, Transition[]>): Record<ProvisionState, readonly Transition[]> {
  for (const [from, list] of Object.entries(t)) {
    if (from !== S.Error) list.push({to: S.Error, doc: 'unexpected failure outside a known step'})
  }
  return t
}

export const ALL_STATES: readonly ProvisionState[] = Object.values(ProvisionState)

/** States in which a node carries a meaningful last error. */
export const FAILED_STATES: ReadonlySet<ProvisionState> = new Set([S.InspectFailed, S.DeployFailed, S.CleanFailed, S.Error])

/** States in which work is in flight; the node must not be deleted. */
export const BUSY_STATES: ReadonlySet<ProvisionState> = new Set([S.Deploying, S.WaitCallback, S.Undeploying, S.Cleaning, S.Inspecting])

export function isProvisionState(s: string): s is ProvisionState {
  return (ALL_STATES as readonly string[]).includes(s)
}

export function allowedTargets(from: ProvisionState): ProvisionState[] {
  return (TRANSITIONS[from] ?? []).map((t) => t.to)
}

export function canTransition(from: ProvisionState, to: ProvisionState): boolean {
  return allowedTargets(from).includes(to)
}

/** A state change the table does not allow; names both states and the legal targets. */
export class IllegalTransitionError extends BmpError {
  readonly from: ProvisionState
  readonly to: ProvisionState
  constructor(from: ProvisionState, to: ProvisionState, node?: string) {
    const allowed = allowedTargets(from)
    super(
      `${node ? `node ${node}: ` : ''}cannot move from "${from}" to "${to}"; from "${from}" the allowed targets are: ${allowed.join(', ')}`,
      ExitCode.OperationFailed,
    )
    this.from = from
    this.to = to
  }
}

export function assertTransition(from: ProvisionState, to: ProvisionState, node?: string): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to, node)
}
