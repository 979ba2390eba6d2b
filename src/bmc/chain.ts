import type {Logger} from '../log.js'
import {errorText, withTimeout} from './ops.js'
import {BmcError, BmcErrorKind, type BmcInfo, type BmcProvider, type BootDeviceSetting, type Feature, type PowerAction, type PowerState} from './types.js'

/** Called after every provider attempt (events, --verbose); `error` holds no secrets. */
export type AttemptListener = (provider: string, capability: Feature, ok: boolean, error?: Error) => void

export interface ChainOptions {
  /** Name reported as the driver (e.g. 'ipmi'). */
  name: string
  /** Budget per provider per call; the next provider gets a fresh one. */
  timeoutMs?: number
  onAttempt?: AttemptListener
  log?: Logger
}

/**
 * Tries providers in order for each capability (as bmclib does) and records which one
 * answered, so a flaky native client degrades to ipmitool instead of failing the node.
 */
export class BmcChain implements BmcProvider {
  readonly name: string
  readonly features: ReadonlySet<Feature>
  /** Provider that answered the last successful call. */
  lastAnsweredBy?: string

  constructor(readonly providers: BmcProvider[], private readonly opts: ChainOptions) {
    this.name = opts.name
    this.features = new Set(providers.flatMap((p) => [...p.features]))
  }

  powerState(signal?: AbortSignal): Promise<PowerState> {
    return this.attempt('power-state', (p, s) => p.powerState!(s), signal)
  }

  setPower(action: PowerAction, signal?: AbortSignal): Promise<void> {
    return this.attempt('power-set', (p, s) => p.setPower!(action, s), signal)
  }

  bootDevice(signal?: AbortSignal): Promise<BootDeviceSetting> {
    return this.attempt('boot-device-get', (p, s) => p.bootDevice!(s), signal)
  }

  setBootDevice(setting: BootDeviceSetting, signal?: AbortSignal): Promise<void> {
    return this.attempt('boot-device-set', (p, s) => p.setBootDevice!(setting, s), signal)
  }

  info(signal?: AbortSignal): Promise<BmcInfo> {
    return this.attempt('info', (p, s) => p.info!(s), signal)
  }

  /** Closes every provider; one failing does not keep the others open. */
  async close(): Promise<void> {
    const results = await Promise.allSettled(this.providers.map((p) => p.close()))
    for (const r of results) if (r.status === 'rejected') this.opts.log?.debug('bmc close failed', {error: errorText(r.reason)})
  }

  private async attempt<T>(feature: Feature, call: (p: BmcProvider, signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    // The provider that answered last goes first: a dead native client costs its timeout once, not per call.
    const ordered = this.lastAnsweredBy ? [...this.providers].sort((a, b) => Number(b.name === this.lastAnsweredBy) - Number(a.name === this.lastAnsweredBy)) : this.providers
    const capable = ordered.filter((p) => p.features.has(feature))
    if (!capable.length) throw new BmcError(BmcErrorKind.Unsupported, `driver ${this.name} cannot do ${feature}`, this.name)
    const failures: {provider: string; error: Error}[] = []
    for (const p of capable) {
      if (signal?.aborted) break
      try {
        const value = await withTimeout((s) => call(p, s), this.opts.timeoutMs ?? 30000, `${p.name} ${feature}`, signal, p.name)
        this.lastAnsweredBy = p.name
        this.opts.onAttempt?.(p.name, feature, true)
        return value
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err))
        failures.push({provider: p.name, error})
        this.opts.onAttempt?.(p.name, feature, false, error)
        this.opts.log?.debug('bmc provider failed', {provider: p.name, feature, error: errorText(error)})
      }
    }
    throw combine(this.name, feature, failures, signal)
  }
}

const KIND_PRIORITY: BmcErrorKind[] = ['auth', 'privilege', 'busy', 'protocol', 'unsupported', 'timeout']

/** One error for the whole chain; a single failure keeps its own kind and message. */
function combine(name: string, feature: Feature, failures: {provider: string; error: Error}[], signal?: AbortSignal): Error {
  if (!failures.length) return new BmcError(BmcErrorKind.Timeout, `${feature}: cancelled`, name)
  if (failures.length === 1) return failures[0].error
  const kinds = failures.map((f) => (f.error instanceof BmcError ? f.error.kind : BmcErrorKind.Protocol))
  // The most telling kind wins: a refused login says more than a fallback's timeout.
  const kind = KIND_PRIORITY.find((k) => kinds.includes(k)) ?? BmcErrorKind.Protocol
  const detail = failures.map((f) => `${f.provider}: ${f.error.message}`).join('; ')
  return new BmcError(kind, `${feature} failed with every provider (${detail})${signal?.aborted ? ' [cancelled]' : ''}`, name)
}
