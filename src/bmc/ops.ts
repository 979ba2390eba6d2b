import {BmcError, BmcErrorKind, type BmcProvider, type BootDeviceSetting, type Feature, type PowerAction, type PowerState} from './types.js'

/**
 * Small operations shared by the BMC service, the task modules and the providers:
 * feature checks, timeouts, power-state waiting and boot-setting comparison.
 */

/** Power state a node reaches once `action` has taken effect (as pyghmi's wait does). */
export function expectedPowerState(action: PowerAction): PowerState {
  return action === 'off' || action === 'soft' ? 'off' : 'on'
}

/** Actions that change the machine even when it already is in the expected state. */
export function alwaysChanges(action: PowerAction): boolean {
  return action === 'cycle' || action === 'reset'
}

/** Throws an `unsupported` BmcError when the provider lacks a capability. */
export function requireFeature(bmc: BmcProvider, feature: Feature): void {
  if (!bmc.features.has(feature)) {
    throw new BmcError(BmcErrorKind.Unsupported, `driver ${bmc.name} cannot do ${feature}`, bmc.name)
  }
}

export async function readPower(bmc: BmcProvider, signal?: AbortSignal): Promise<PowerState> {
  requireFeature(bmc, 'power-state')
  return bmc.powerState!(signal)
}

export async function setPower(bmc: BmcProvider, action: PowerAction, signal?: AbortSignal): Promise<void> {
  requireFeature(bmc, 'power-set')
  return bmc.setPower!(action, signal)
}

export async function readBoot(bmc: BmcProvider, signal?: AbortSignal): Promise<BootDeviceSetting> {
  requireFeature(bmc, 'boot-device-get')
  return bmc.bootDevice!(signal)
}

export async function setBoot(bmc: BmcProvider, setting: BootDeviceSetting, signal?: AbortSignal): Promise<void> {
  requireFeature(bmc, 'boot-device-set')
  return bmc.setBootDevice!(setting, signal)
}

/**
 * Runs `fn` with a signal that aborts after `ms` (or when `parent` aborts) and turns an
 * overrun into a `timeout` BmcError, so one stuck BMC cannot hold a whole run.
 */
export async function withTimeout<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  ms: number,
  what: string,
  parent?: AbortSignal,
  provider?: string,
): Promise<T> {
  const ctl = new AbortController()
  const onParent = () => ctl.abort(parent?.reason)
  if (parent?.aborted) ctl.abort(parent.reason)
  parent?.addEventListener('abort', onParent, {once: true})
  let timer: NodeJS.Timeout | undefined
  const overrun = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new BmcError(BmcErrorKind.Timeout, `${what}: no answer within ${ms} ms`, provider)
      ctl.abort(err)
      reject(err)
    }, ms)
  })
  const cancelled = new Promise<never>((_, reject) => {
    if (ctl.signal.aborted) reject(abortError(ctl.signal, what, provider))
    ctl.signal.addEventListener('abort', () => reject(abortError(ctl.signal, what, provider)), {once: true})
  })
  try {
    return await Promise.race([fn(ctl.signal), overrun, cancelled])
  } finally {
    clearTimeout(timer)
    parent?.removeEventListener('abort', onParent)
    if (!ctl.signal.aborted) ctl.abort()
  }
}

function abortError(signal: AbortSignal, what: string, provider?: string): Error {
  const reason = signal.reason
  if (reason instanceof BmcError) return reason
  return new BmcError(BmcErrorKind.Timeout, `${what}: cancelled`, provider)
}

/** Resolves after `ms`, or rejects early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'))
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    const onAbort = () => { clearTimeout(timer); reject(signal!.reason ?? new Error('aborted')) }
    signal?.addEventListener('abort', onAbort, {once: true})
  })
}

export interface WaitOptions {
  timeoutMs: number
  /** Pause between polls; BMCs dislike being polled in a tight loop. */
  intervalMs?: number
  signal?: AbortSignal
  onPoll?: (state: PowerState) => void
}

/**
 * Polls until the power state is `want`; returns the last state seen. Throws a
 * `timeout` BmcError naming the state it kept seeing when the budget runs out.
 */
export async function waitForPower(bmc: BmcProvider, want: PowerState, opts: WaitOptions): Promise<PowerState> {
  const deadline = Date.now() + opts.timeoutMs
  const interval = opts.intervalMs ?? 1000
  let seen: PowerState | undefined
  for (;;) {
    seen = await readPower(bmc, opts.signal)
    opts.onPoll?.(seen)
    if (seen === want) return seen
    const left = deadline - Date.now()
    if (left <= 0) break
    await sleep(Math.min(interval, left), opts.signal)
  }
  throw new BmcError(
    BmcErrorKind.Timeout,
    `power did not become ${want} within ${opts.timeoutMs} ms (still ${seen})`,
    bmc.name,
  )
}

/** Fields of `got` that differ from `want` ('device', 'persistent', 'uefi'). */
export function bootMismatch(want: BootDeviceSetting, got: BootDeviceSetting): (keyof BootDeviceSetting)[] {
  const fields: (keyof BootDeviceSetting)[] = ['device', 'persistent', 'uefi']
  // A cleared override has no meaningful persistent/uefi bits to compare.
  if (want.device === 'none') return got.device === 'none' ? [] : ['device']
  return fields.filter((f) => want[f] !== got[f])
}

export function describeBoot(s: BootDeviceSetting): string {
  return `${s.device}${s.persistent ? ' persistent' : ' once'}${s.uefi ? ' uefi' : ' legacy'}`
}

/** Message for a read-back that did not match what was set. */
export function bootWarning(want: BootDeviceSetting, got: BootDeviceSetting): string | undefined {
  const diff = bootMismatch(want, got)
  if (!diff.length) return undefined
  return `BMC did not keep the boot device (${diff.join(', ')} differ): set ${describeBoot(want)}, read back ${describeBoot(got)}; some BMCs ignore overrides — a local-boot PXE config is the fallback`
}

/** A BMC call failure as a short line for results and events (never holds secrets). */
export function errorText(err: unknown): string {
  if (err instanceof BmcError) return `${err.kind}: ${err.message}`
  return err instanceof Error ? err.message : String(err)
}

/** How task modules reach a host's BMC: `services.bmcFor(host)`, injected by the runner's caller. */
export type BmcFor = (host: string) => Promise<BmcProvider>

/** The injected `bmcFor`, or a clear error naming the module when the caller did not provide one. */
export function requireBmcFor(services: Record<string, unknown>, module: string): BmcFor {
  const bmcFor = services.bmcFor
  if (typeof bmcFor !== 'function') {
    throw new Error(`${module}: no BMC access in the task services (the caller of the runner must pass services.bmcFor)`)
  }
  return bmcFor as BmcFor
}

/** Which provider answered, when the BMC is a fallback chain. */
export function answeredBy(bmc: BmcProvider): string {
  return (bmc as {lastAnsweredBy?: string}).lastAnsweredBy ?? bmc.name
}
