import {BmpError, ExitCode, InputError, OperationError} from '../errors.js'
import {closest} from '../inventory/suggest.js'
import type {ProvisionState, Reservation} from './types.js'

/** The node is reserved by another live process; names who holds it and why. */
export class ReservationError extends BmpError {
  readonly holder: Reservation
  constructor(node: string, holder: Reservation) {
    super(
      `node ${node} is reserved by pid ${holder.pid} on ${holder.host} since ${holder.since} (${holder.purpose})`,
      ExitCode.OperationFailed,
      'wait for that run to finish, or stop it; a dead holder is taken over automatically',
    )
    this.holder = holder
  }
}

/** The node is mid-operation, so the request (delete, …) is refused. */
export class NodeBusyError extends OperationError {
  readonly state: ProvisionState
  constructor(node: string, action: string, state: ProvisionState, hint?: string) {
    super(`cannot ${action} node ${node} while it is in state "${state}"`, hint ?? 'wait for the operation to finish, or move the node to a failed state first')
    this.state = state
  }
}

/** An unknown node name, with a did-you-mean when one of the known names is close. */
export function unknownNode(name: string, known: readonly string[]): InputError {
  const best = closest(name, known)
  const hint = best ? `did you mean "${best}"?` : known.length ? 'see `bmpctl nodes list`' : 'no nodes are enrolled yet'
  return new InputError(`unknown node "${name}"`, [], hint)
}
