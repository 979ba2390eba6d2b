import {ALL_STATES, allowedTargets, canTransition} from '../state/states.js'
import type {Store} from '../state/store.js'
import type {ProvisionState} from '../state/types.js'
import type {TaskContext, TaskModule, TaskResult} from './types.js'

export interface NodeStateParams {
  state: ProvisionState
  reason?: string
  error?: string
}

/** The store injected by whoever runs the playbook; modules cannot open one themselves. */
export function requireStore(ctx: TaskContext<unknown>, module: string): Store {
  const store = ctx.services.store as Store | undefined
  if (!store || typeof store.transition !== 'function') {
    throw new Error(`${module}: no state store in the task services (the caller of the runner must pass services.store)`)
  }
  return store
}

/** Moves the host's node to a provision state; already there → unchanged. */
const nodeState: TaskModule<NodeStateParams> = {
  name: 'node_state',
  description: 'Move the node to a provision state (checked against the transition table)',
  params: {
    state: {type: 'str', required: true, choices: ALL_STATES, description: 'target provision state'},
    reason: {type: 'str', description: 'why, recorded in the state.change event'},
    error: {type: 'str', description: 'error to record as the node\'s last error'},
  },
  supportsCheckMode: true,
  async run(ctx: TaskContext<NodeStateParams>): Promise<TaskResult> {
    const store = requireStore(ctx, 'node_state')
    const {state: to, reason, error} = ctx.params
    const node = store.getNode(ctx.host)
    if (!node) return {changed: false, failed: true, msg: `node ${ctx.host} is not in the state store; enroll it first`}
    const from = node.state
    if (from === to) return {changed: false, state: to, previous: from, msg: `already ${to}`}
    if (!canTransition(from, to)) {
      return {changed: false, failed: true, state: from, msg: `cannot move ${ctx.host} from "${from}" to "${to}"; allowed: ${allowedTargets(from).join(', ')}`}
    }
    if (ctx.check) return {changed: true, state: from, previous: from, msg: `would move ${from} → ${to}`}
    store.transition(ctx.host, to, {reason, error})
    return {changed: true, state: to, previous: from, msg: `${from} → ${to}`}
  },
}

export default nodeState
