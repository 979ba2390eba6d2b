import {sleep} from './ops.js'
import {
  BmcError,
  type BmcErrorKind,
  type BmcInfo,
  type BmcProvider,
  type BootDeviceSetting,
  type Feature,
  type PowerAction,
  type PowerState,
} from './types.js'

/**
 * In-memory BMC for runner tests and fleet simulation. State is keyed by address so
 * separate `createBmc` calls in one process see the same machine.
 */
export interface FakeBmcState {
  power: PowerState
  boot: BootDeviceSetting
  /** Every call in order, e.g. `setPower:on`, `bootDevice`. */
  calls: string[]
  /** Failures to inject: the next `times` calls of `feature` fail with `kind`. */
  failures: {feature: Feature | '*'; kind: BmcErrorKind; times: number; message?: string}[]
  /** Delay each call by this many ms (simulates a slow BMC). */
  latencyMs: number
  /** Power changes become visible only after this many further state reads (slow PSUs, ACPI). */
  settleReads: number
  /** Quirks of real BMCs: boot override fields they silently drop. */
  quirks: {ignoreBoot?: boolean; dropPersistent?: boolean; dropUefi?: boolean}
  /** Username/password the fake accepts; undefined accepts anything. */
  credentials?: {username: string; password: string}
  /** Power transition waiting to become visible. */
  pending?: {state: PowerState; readsLeft: number}
  /** Sessions currently open (create increments, close decrements). */
  openSessions: number
}

const machines = new Map<string, FakeBmcState>()

function freshState(): FakeBmcState {
  return {
    power: 'off',
    boot: {device: 'none', persistent: false, uefi: false},
    calls: [],
    failures: [],
    latencyMs: 0,
    settleReads: 0,
    quirks: {},
    openSessions: 0,
  }
}

/** The shared state behind `address` (created on first use), for tests to inspect or tweak. */
export function fakeBmcState(address: string): FakeBmcState {
  let s = machines.get(address)
  if (!s) machines.set(address, (s = freshState()))
  return s
}

/** Forget all fake machines (between tests). */
export function resetFakeBmcs(): void {
  machines.clear()
}

const ALL_FEATURES: Feature[] = ['power-state', 'power-set', 'boot-device-get', 'boot-device-set', 'info']

export interface FakeProviderOptions {
  address: string
  username?: string
  password?: string
}

export class FakeProvider implements BmcProvider {
  readonly name = 'fake'
  readonly features: ReadonlySet<Feature> = new Set(ALL_FEATURES)
  private readonly state: FakeBmcState
  private open = true

  constructor(readonly opts: FakeProviderOptions) {
    this.state = fakeBmcState(opts.address)
    const creds = this.state.credentials
    if (creds && (creds.username !== opts.username || creds.password !== opts.password)) {
      throw new BmcError('auth', `fake BMC ${opts.address}: credentials refused`, this.name)
    }
    this.state.openSessions++
  }

  async powerState(signal?: AbortSignal): Promise<PowerState> {
    await this.enter('power-state', 'powerState', signal)
    const p = this.state.pending
    if (p && p.readsLeft-- <= 0) {
      this.state.power = p.state
      this.state.pending = undefined
    }
    return this.state.power
  }

  async setPower(action: PowerAction, signal?: AbortSignal): Promise<void> {
    await this.enter('power-set', `setPower:${action}`, signal)
    const target: PowerState = action === 'off' || action === 'soft' ? 'off' : 'on'
    const boots = target === 'on' && (this.state.power === 'off' || action === 'cycle' || action === 'reset')
    if (boots && !this.state.boot.persistent) this.consumeOneTimeBoot()
    if (this.state.settleReads > 0) {
      this.state.pending = {state: target, readsLeft: this.state.settleReads}
    } else {
      this.state.power = target
    }
  }

  async bootDevice(signal?: AbortSignal): Promise<BootDeviceSetting> {
    await this.enter('boot-device-get', 'bootDevice', signal)
    return {...this.state.boot}
  }

  async setBootDevice(setting: BootDeviceSetting, signal?: AbortSignal): Promise<void> {
    await this.enter('boot-device-set', `setBootDevice:${setting.device}`, signal)
    const q = this.state.quirks
    if (q.ignoreBoot) return
    this.state.boot = {
      device: setting.device,
      persistent: q.dropPersistent ? false : setting.persistent,
      uefi: q.dropUefi ? false : setting.uefi,
    }
  }

  async info(signal?: AbortSignal): Promise<BmcInfo> {
    await this.enter('info', 'info', signal)
    return {protocol: 'fake', manufacturer: 'bmpctl', product: 'fake BMC', firmware: '1.0', privilege: 'administrator'}
  }

  async close(): Promise<void> {
    if (!this.open) return
    this.open = false
    this.state.openSessions--
  }

  /** Boot happened: a one-time override is used up, as on real BMCs. */
  private consumeOneTimeBoot(): void {
    this.state.boot = {device: 'none', persistent: false, uefi: this.state.boot.uefi}
  }

  private async enter(feature: Feature, call: string, signal?: AbortSignal): Promise<void> {
    if (!this.open) throw new BmcError('protocol', 'fake BMC session already closed', this.name)
    this.state.calls.push(call)
    if (this.state.latencyMs > 0) await sleep(this.state.latencyMs, signal)
    const f = this.state.failures.find((x) => (x.feature === feature || x.feature === '*') && x.times > 0)
    if (f) {
      f.times--
      throw new BmcError(f.kind, f.message ?? `injected ${f.kind} failure on ${feature}`, this.name)
    }
  }
}
