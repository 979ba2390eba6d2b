import type {Logger} from '../log.js'
import {RedfishClient, RedfishError} from '../protocols/redfish/client.js'
import {BmcError, BmcErrorKind, type BmcInfo, type BmcProvider, type BootDevice, type BootDeviceSetting, type Feature, type PowerAction, type PowerState} from './types.js'

export interface RedfishProviderOptions {
  address: string
  port?: number
  scheme?: 'http' | 'https'
  username?: string
  password: string
  systemId?: string
  verifyTls?: boolean
  timeoutMs?: number
  log?: Logger
}

const TARGET_BY_DEVICE: Record<Exclude<BootDevice, 'none'>, string> = {pxe: 'Pxe', disk: 'Hdd', cdrom: 'Cd', bios: 'BiosSetup'}
const DEVICE_BY_TARGET = new Map<string, BootDevice>(Object.entries(TARGET_BY_DEVICE).map(([d, t]) => [t, d as BootDevice]))

/** Reset types to try for each action, best first (BMCs advertise different subsets). */
const RESET_CHOICES: Record<PowerAction, string[][]> = {
  on: [['On'], ['ForceOn'], ['PushPowerButton']],
  off: [['ForceOff'], ['PushPowerButton']],
  soft: [['GracefulShutdown'], ['PushPowerButton']],
  cycle: [['PowerCycle'], ['ForceRestart'], ['ForceOff', 'On']],
  reset: [['ForceRestart'], ['PowerCycle'], ['ForceOff', 'On']],
}

/** The reset-type sequence for an action given what the BMC allows (all when it does not say). */
export function chooseResetTypes(action: PowerAction, allowed: string[] | undefined): string[] | undefined {
  const ok = (t: string) => !allowed || allowed.includes(t)
  return RESET_CHOICES[action].find((seq) => seq.every(ok))
}

/** Redfish PowerState → ours; transitional states count as the state being left. */
export function mapPowerState(s: unknown): PowerState {
  if (s === 'On' || s === 'PoweringOff' || s === 'Paused') return 'on'
  if (s === 'Off' || s === 'PoweringOn') return 'off'
  throw new BmcError(BmcErrorKind.Protocol, `unexpected Redfish PowerState ${JSON.stringify(s)}`, 'redfish')
}

export function mapBoot(boot: Record<string, unknown> | undefined): BootDeviceSetting {
  const enabled = boot?.BootSourceOverrideEnabled
  const uefi = boot?.BootSourceOverrideMode === 'UEFI'
  const device = DEVICE_BY_TARGET.get(String(boot?.BootSourceOverrideTarget))
  if (!device || enabled === 'Disabled' || enabled === undefined) return {device: 'none', persistent: false, uefi}
  return {device, persistent: enabled === 'Continuous', uefi}
}

/** The PATCH body for a boot setting; Mode only when the BMC has the property. */
export function bootPatch(s: BootDeviceSetting, hasMode: boolean): {Boot: Record<string, string>} {
  if (s.device === 'none') return {Boot: {BootSourceOverrideEnabled: 'Disabled'}}
  const boot: Record<string, string> = {
    BootSourceOverrideTarget: TARGET_BY_DEVICE[s.device],
    BootSourceOverrideEnabled: s.persistent ? 'Continuous' : 'Once',
  }
  // Some vendors reset Mode unless it is sent every time.
  if (hasMode) boot.BootSourceOverrideMode = s.uefi ? 'UEFI' : 'Legacy'
  return {Boot: boot}
}

/** Translates client failures into BmcError kinds callers branch on. */
export function toBmcError(err: unknown): Error {
  if (!(err instanceof RedfishError)) return err as Error
  const k = (kind: BmcErrorKind, hint = '') => new BmcError(kind, `redfish ${err.message}${hint}`, 'redfish')
  if (err.failure === 'timeout') return k(BmcErrorKind.Timeout)
  if (err.failure === 'network') return k(BmcErrorKind.Protocol, ' (hint: check the BMC address, port and scheme)')
  const s = err.status ?? 0
  if (s === 401 || (s === 403 && err.during === 'login')) return k(BmcErrorKind.Auth, ' (hint: check the username and password)')
  if (s === 403) return k(BmcErrorKind.Privilege, ' (hint: the account needs a role that may change power/boot)')
  if (s === 503 || s === 429) return k(BmcErrorKind.Busy)
  if (s === 405 || s === 501) return k(BmcErrorKind.Unsupported)
  return k(BmcErrorKind.Protocol)
}

type Json = Record<string, any>

/** BMC access over Redfish, using one session for the provider's lifetime. */
export class RedfishProvider implements BmcProvider {
  readonly name = 'redfish'
  readonly features: ReadonlySet<Feature> = new Set<Feature>(['power-state', 'power-set', 'boot-device-get', 'boot-device-set', 'info'])
  private readonly client: RedfishClient
  private systemPath?: string

  constructor(private readonly opts: RedfishProviderOptions) {
    const scheme = opts.scheme ?? 'https'
    const port = opts.port ?? (scheme === 'https' ? 443 : 80)
    const host = opts.address.includes(':') ? `[${opts.address}]` : opts.address
    this.client = new RedfishClient({
      baseUrl: `${scheme}://${host}:${port}`,
      username: opts.username,
      password: opts.password,
      verifyTls: opts.verifyTls ?? true,
      timeoutMs: opts.timeoutMs,
    })
    if (opts.systemId) this.systemPath = `/redfish/v1/Systems/${encodeURIComponent(opts.systemId)}`
  }

  get authMode(): string {
    return this.client.authMode
  }

  async powerState(signal?: AbortSignal): Promise<PowerState> {
    return this.call(async () => mapPowerState((await this.system(signal)).body.PowerState))
  }

  async setPower(action: PowerAction, signal?: AbortSignal): Promise<void> {
    return this.call(async () => {
      const sys = (await this.system(signal)).body
      // Restarting a machine that is off fails on many BMCs; power it on instead.
      if ((action === 'cycle' || action === 'reset') && mapPowerState(sys.PowerState) === 'off') action = 'on'
      const reset = sys.Actions?.['#ComputerSystem.Reset'] as Json | undefined
      const target = reset?.target ?? `${await this.systemUri(signal)}/Actions/ComputerSystem.Reset`
      const seq = chooseResetTypes(action, reset?.['ResetType@Redfish.AllowableValues'])
      if (!seq) throw new BmcError(BmcErrorKind.Unsupported, `redfish: BMC allows none of the reset types for ${action}`, this.name)
      for (const type of seq) await this.client.post(target, {ResetType: type}, signal)
    })
  }

  async bootDevice(signal?: AbortSignal): Promise<BootDeviceSetting> {
    return this.call(async () => mapBoot((await this.system(signal)).body.Boot))
  }

  async setBootDevice(setting: BootDeviceSetting, signal?: AbortSignal): Promise<void> {
    return this.call(async () => {
      const res = await this.system(signal)
      const boot = (res.body.Boot ?? {}) as Json
      const allowed = boot['BootSourceOverrideTarget@Redfish.AllowableValues'] as string[] | undefined
      const patch = bootPatch(setting, 'BootSourceOverrideMode' in boot)
      const target = patch.Boot.BootSourceOverrideTarget
      if (target && allowed && !allowed.includes(target)) {
        throw new BmcError(BmcErrorKind.Unsupported, `redfish: boot target ${target} not allowed (BMC offers ${allowed.join(', ')})`, this.name)
      }
      const etag = res.headers.etag as string | undefined
      await this.client.patch(await this.systemUri(signal), patch, etag, signal)
    })
  }

  async info(signal?: AbortSignal): Promise<BmcInfo> {
    return this.call(async () => {
      const root = (await this.client.serviceRoot(signal)).body as Json
      const sys = (await this.system(signal)).body
      const info: BmcInfo = {protocol: `Redfish ${root.RedfishVersion ?? '?'}`, systemId: sys.Id}
      const managerUri = sys.Links?.ManagedBy?.[0]?.['@odata.id'] ?? (await this.firstMember('/redfish/v1/Managers', signal))
      const mgr = managerUri ? ((await this.client.get(managerUri, signal)).body as Json) : {}
      const set = (k: string, v: unknown) => { if (typeof v === 'string' && v) info[k] = v }
      set('manufacturer', mgr.Manufacturer ?? sys.Manufacturer)
      set('product', mgr.Model ?? sys.Model)
      set('firmware', mgr.FirmwareVersion)
      set('systemManufacturer', sys.Manufacturer)
      set('systemModel', sys.Model)
      set('biosVersion', sys.BiosVersion)
      return info
    })
  }

  async close(): Promise<void> {
    await this.client.close()
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw toBmcError(err)
    }
  }

  private async system(signal?: AbortSignal) {
    return this.client.get<Json>(await this.systemUri(signal), signal)
  }

  /** Uses the configured system id, else the first member of /redfish/v1/Systems. */
  private async systemUri(signal?: AbortSignal): Promise<string> {
    if (this.systemPath) return this.systemPath
    const first = await this.firstMember('/redfish/v1/Systems', signal)
    if (!first) throw new BmcError(BmcErrorKind.Protocol, 'redfish: /redfish/v1/Systems has no members', this.name)
    this.opts.log?.debug('redfish system discovered', {system: first})
    return (this.systemPath = first)
  }

  private async firstMember(collection: string, signal?: AbortSignal): Promise<string | undefined> {
    const body = (await this.client.get<Json>(collection, signal)).body
    return body?.Members?.[0]?.['@odata.id']
  }
}
