import type {AttemptListener} from '../bmc/chain.js'
import {createBmc, type CreateBmcOptions} from '../bmc/factory.js'
import {bootWarning, errorText, expectedPowerState, readBoot, readPower, setBoot, setPower, waitForPower} from '../bmc/ops.js'
import {BmcError, type BmcProvider, type BootDeviceSetting, type Feature, type PowerAction, type PowerState} from '../bmc/types.js'
import type {BmcSpec} from '../inventory/model.js'
import type {Logger} from '../log.js'

/** BMC use-cases over many nodes: power, boot device, credential check. */

export interface BmcTarget {
  name: string
  bmc: BmcSpec
}

/** Progress for --verbose and event logs; carries no secrets. */
export type BmcEvent =
  | {type: 'attempt'; node: string; provider: string; capability: Feature; ok: boolean; error?: string}
  | {type: 'poll'; node: string; state: PowerState}
  | {type: 'done'; node: string; ok: boolean; error?: string}

/** How a provider is made for a target; tests inject fakes. */
export type BmcFactory = (spec: BmcSpec, opts: CreateBmcOptions) => Promise<BmcProvider & {lastAnsweredBy?: string}>

export interface BmcRunOptions {
  /** How many nodes are worked on at once. */
  forks: number
  onEvent?: (e: BmcEvent) => void
  log?: Logger
  /** Per-provider per-call budget. */
  timeoutMs?: number
  signal?: AbortSignal
  factory?: BmcFactory
}

export interface NodeResult {
  node: string
  ok: boolean
  answeredBy?: string
  error?: string
  /** BmcError kind when the failure came from the BMC. */
  errorKind?: string
}

export interface PowerResult extends NodeResult {
  state?: PowerState
}

export interface BootResult extends NodeResult {
  setting?: BootDeviceSetting
  warning?: string
}

/** Runs `work` over items with at most `limit` in flight; results keep input order. */
export async function mapLimit<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await work(items[i])
    }
  }
  await Promise.all(Array.from({length: Math.max(1, Math.min(limit, items.length))}, worker))
  return results
}

/** Opens a provider for one node, runs `fn`, always closes, and turns failures into a result. */
async function withNode<R extends NodeResult>(
  t: BmcTarget,
  opts: BmcRunOptions,
  fn: (bmc: BmcProvider) => Promise<Omit<R, 'node' | 'ok' | 'answeredBy'>>,
): Promise<R> {
  const onAttempt: AttemptListener = (provider, capability, ok, error) =>
    opts.onEvent?.({type: 'attempt', node: t.name, provider, capability, ok, error: error && errorText(error)})
  let bmc: (BmcProvider & {lastAnsweredBy?: string}) | undefined
  let result: R
  try {
    bmc = await (opts.factory ?? createBmc)(t.bmc, {label: t.name, log: opts.log, timeoutMs: opts.timeoutMs, onAttempt})
    const out = await fn(bmc)
    result = {node: t.name, ok: true, answeredBy: bmc.lastAnsweredBy, ...out} as R
  } catch (err) {
    result = {node: t.name, ok: false, answeredBy: bmc?.lastAnsweredBy, error: errorText(err), errorKind: err instanceof BmcError ? err.kind : undefined} as R
  } finally {
    await bmc?.close().catch((err) => opts.log?.debug('bmc close failed', {node: t.name, error: errorText(err)}))
  }
  opts.onEvent?.({type: 'done', node: t.name, ok: result.ok, error: result.error})
  return result
}

export interface PowerOptions extends BmcRunOptions {
  /** Poll until the state the action leads to is reached. */
  wait?: boolean
  waitTimeoutMs?: number
  pollIntervalMs?: number
}

export async function powerAction(targets: BmcTarget[], action: 'status' | PowerAction, opts: PowerOptions): Promise<PowerResult[]> {
  return mapLimit(targets, opts.forks, (t) =>
    withNode<PowerResult>(t, opts, async (bmc) => {
      if (action === 'status') return {state: await readPower(bmc, opts.signal)}
      await setPower(bmc, action, opts.signal)
      if (!opts.wait) return {}
      const state = await waitForPower(bmc, expectedPowerState(action), {
        timeoutMs: opts.waitTimeoutMs ?? 60000,
        intervalMs: opts.pollIntervalMs,
        signal: opts.signal,
        onPoll: (s) => opts.onEvent?.({type: 'poll', node: t.name, state: s}),
      })
      return {state}
    }),
  )
}

/** Get the boot device, or set it and read it back (warning when the BMC did not keep it). */
export async function bootDevice(targets: BmcTarget[], op: 'get' | {set: BootDeviceSetting}, opts: BmcRunOptions): Promise<BootResult[]> {
  return mapLimit(targets, opts.forks, (t) =>
    withNode<BootResult>(t, opts, async (bmc) => {
      if (op === 'get') return {setting: await readBoot(bmc, opts.signal)}
      await setBoot(bmc, op.set, opts.signal)
      if (!bmc.features.has('boot-device-get')) return {setting: op.set, warning: 'BMC cannot read the boot device back; not verified'}
      const setting = await readBoot(bmc, opts.signal)
      return {setting, warning: bootWarning(op.set, setting)}
    }),
  )
}

export interface BmcCheckResult extends NodeResult {
  powerState?: PowerState
  privilege?: string
  protocol?: string
}

const ENOUGH_PRIVILEGE = new Set(['operator', 'administrator', 'oem'])

/**
 * Proves a BMC is usable before enrolling: a session opens with the given credentials,
 * power state reads, and (where reported) the privilege allows power/boot control.
 */
export async function bmcCheck(target: BmcTarget, opts: Omit<BmcRunOptions, 'forks'> = {}): Promise<BmcCheckResult> {
  return withNode<BmcCheckResult>(target, {...opts, forks: 1}, async (bmc) => {
    const powerState = await readPower(bmc, opts.signal)
    const answeredBy = (bmc as {lastAnsweredBy?: string}).lastAnsweredBy
    let privilege: string | undefined, protocol: string | undefined
    if (bmc.features.has('info')) {
      // Info is a bonus: a BMC that answers power but not device id is still usable.
      const info = await bmc.info!(opts.signal).catch((err) => { opts.log?.debug('bmc info failed', {node: target.name, error: errorText(err)}); return undefined })
      privilege = info?.privilege
      protocol = info?.protocol
    }
    if (privilege && !ENOUGH_PRIVILEGE.has(privilege.toLowerCase())) {
      throw new BmcError('privilege', `session privilege is ${privilege}; power and boot control need operator or administrator`, answeredBy)
    }
    return {powerState, privilege, protocol}
  })
}
