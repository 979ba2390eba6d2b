/**
 * One small interface per BMC capability (as bmclib does): a provider implements the
 * ones it supports and says so in `features`; callers ask for a capability, not a driver.
 */
export type PowerState = 'on' | 'off'
export type PowerAction = 'on' | 'off' | 'soft' | 'cycle' | 'reset'
export type BootDevice = 'pxe' | 'disk' | 'cdrom' | 'bios' | 'none'

export interface BootDeviceSetting {
  device: BootDevice
  persistent: boolean
  uefi: boolean
}

export interface BmcInfo {
  /** e.g. "IPMI 2.0", "Redfish 1.11". */
  protocol: string
  manufacturer?: string
  product?: string
  firmware?: string
  /** Privilege the session ended up with (IPMI), e.g. "administrator". */
  privilege?: string
  [key: string]: unknown
}

export interface PowerStateGetter {
  powerState(signal?: AbortSignal): Promise<PowerState>
}
export interface PowerSetter {
  setPower(action: PowerAction, signal?: AbortSignal): Promise<void>
}
export interface BootDeviceGetter {
  bootDevice(signal?: AbortSignal): Promise<BootDeviceSetting>
}
export interface BootDeviceSetter {
  setBootDevice(setting: BootDeviceSetting, signal?: AbortSignal): Promise<void>
}
export interface InfoGetter {
  info(signal?: AbortSignal): Promise<BmcInfo>
}
/** Serial-over-LAN: a duplex byte stream to the node's console. */
export interface ConsoleOpener {
  openConsole(signal?: AbortSignal): Promise<ConsoleStream>
}
export interface ConsoleStream {
  write(data: Buffer): void
  onData(listener: (data: Buffer) => void): void
  close(): Promise<void>
}

export type Feature = 'power-state' | 'power-set' | 'boot-device-get' | 'boot-device-set' | 'info' | 'console'

/** A provider: a driver bound to one BMC. Methods exist exactly for its `features`. */
export interface BmcProvider
  extends Partial<PowerStateGetter & PowerSetter & BootDeviceGetter & BootDeviceSetter & InfoGetter & ConsoleOpener> {
  /** Driver name, recorded as "who answered". */
  readonly name: string
  readonly features: ReadonlySet<Feature>
  /** Release sessions (IPMI Close Session, Redfish DELETE session). Safe to call twice. */
  close(): Promise<void>
}

/** Why a BMC call failed; drives retries and messages. */
export const BmcErrorKind = {
  /** No answer within the budget. */
  Timeout: 'timeout',
  /** Credentials refused. */
  Auth: 'auth',
  /** Logged in, but the privilege is too low for the command. */
  Privilege: 'privilege',
  /** BMC said busy / out of sessions; worth retrying later. */
  Busy: 'busy',
  /** The BMC does not support what was asked. */
  Unsupported: 'unsupported',
  /** Anything else the BMC answered with an error. */
  Protocol: 'protocol',
} as const
export type BmcErrorKind = (typeof BmcErrorKind)[keyof typeof BmcErrorKind]

export class BmcError extends Error {
  constructor(
    readonly kind: BmcErrorKind,
    message: string,
    readonly provider?: string,
  ) {
    super(message)
    this.name = 'BmcError'
  }
}
