import {alwaysChanges, answeredBy, expectedPowerState, readPower, requireBmcFor, setPower, waitForPower} from '../bmc/ops.js'
import {BmcError, type PowerAction} from '../bmc/types.js'
import type {TaskContext, TaskModule, TaskResult} from './types.js'

export interface PowerParams {
  state: PowerAction | 'status'
  wait: boolean
  /** Seconds to wait for the state the action leads to. */
  timeout: number
}

const STATES = ['on', 'off', 'soft', 'cycle', 'reset', 'status'] as const

/** Power a node through its BMC; on/off/soft are idempotent, cycle/reset always act. */
const power: TaskModule<PowerParams> = {
  name: 'power',
  description: 'Read or change the power state of the host through its BMC',
  params: {
    state: {type: 'str', required: true, choices: STATES, description: 'on, off, soft (ACPI shutdown), cycle, reset, or status to only read'},
    wait: {type: 'bool', default: false, description: 'poll until the power state the action leads to is reached'},
    timeout: {type: 'duration', default: 300, description: 'how long to wait when wait is true'},
  },
  supportsCheckMode: true,
  async run(ctx: TaskContext<PowerParams>): Promise<TaskResult> {
    const bmc = await requireBmcFor(ctx.services, 'power')(ctx.host)
    const {state: action, wait, timeout} = ctx.params
    const current = await readPower(bmc, ctx.signal)
    if (action === 'status') return {changed: false, power_state: current, answered_by: answeredBy(bmc), msg: `power is ${current}`}
    const want = expectedPowerState(action)
    if (!alwaysChanges(action) && current === want) {
      return {changed: false, power_state: current, answered_by: answeredBy(bmc), msg: `already ${current}`}
    }
    if (ctx.check) return {changed: true, power_state: current, msg: `would ${action} (power is ${current})`}
    await setPower(bmc, action, ctx.signal)
    const result: TaskResult = {changed: true, previous: current, answered_by: answeredBy(bmc), msg: `${action} sent (was ${current})`}
    if (!wait) return result
    ctx.progress(`waiting for power ${want}`)
    try {
      result.power_state = await waitForPower(bmc, want, {timeoutMs: timeout * 1000, intervalMs: 1000, signal: ctx.signal})
      result.msg = `${action}: power ${current} → ${want}`
    } catch (err) {
      if (!(err instanceof BmcError) || err.kind !== 'timeout' || ctx.signal.aborted) throw err
      return {...result, failed: true, msg: `${action} sent but ${err.message}`}
    }
    return result
  },
}

export default power
