import type {Logger} from '../log.js'
import {ChassisAction, Cmd, NetFn} from '../protocols/ipmi/constants.js'
import {
  type BootFlags, BootParam, KEEP_FLAGS_PAST_60S, decodeBootFlags, decodeChassisStatus, decodeDeviceId, decodeGetBootOptionResponse,
  encodeBootFlags, encodeGetBootOption,
} from '../protocols/ipmi/commands.js'
import {IpmiError} from '../protocols/ipmi/errors.js'
import {closeIpmiSession, withIpmiSession} from '../protocols/ipmi/pool.js'
import {IpmiSession, type IpmiSessionOptions} from '../protocols/ipmi/session.js'
import {openSolConsole} from './ipmi-console.js'
import {BmcError, type BmcInfo, type BmcProvider, type BootDeviceSetting, type ConsoleStream, type Feature, type PowerAction, type PowerState} from './types.js'

/** Session options (address, credentials, suite, timeouts, pacing) plus pooling. */
export interface IpmiProviderOptions extends Omit<IpmiSessionOptions, 'keepaliveMs'> {
  /** Share one session per address:port:user across providers (default true). */
  pool?: boolean
}

const ACTIONS: Record<Exclude<PowerAction, 'cycle'>, number> = {
  on: ChassisAction.PowerUp, off: ChassisAction.PowerDown, soft: ChassisAction.SoftShutdown, reset: ChassisAction.HardReset,
}

/**
 * Native IPMI v2.0 (RMCP+) driver. `cycle` on a powered-off machine powers it on (as
 * Ironic's reboot does) instead of relying on BMC-specific Chassis Control 2 behaviour.
 */
export class IpmiProvider implements BmcProvider {
  readonly name = 'ipmi'
  readonly features: ReadonlySet<Feature> = new Set<Feature>(['power-state', 'power-set', 'boot-device-get', 'boot-device-set', 'info', 'console'])
  private readonly session: IpmiSessionOptions
  private own?: Promise<IpmiSession>

  constructor(private readonly opts: IpmiProviderOptions) {
    this.session = {
      address: opts.address, port: opts.port, username: opts.username, password: opts.password, cipherSuite: opts.cipherSuite,
      timeoutMs: opts.timeoutMs, retries: opts.retries, minIntervalMs: opts.minIntervalMs, log: opts.log,
    }
  }

  private async run<T>(fn: (s: IpmiSession) => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      if (this.opts.pool !== false) return await withIpmiSession(this.session, fn, signal)
      this.own ??= IpmiSession.open(this.session, signal)
      const s = await this.own.catch((err) => { this.own = undefined; throw err })
      return await fn(s)
    } catch (err) {
      throw toBmcError(err)
    }
  }

  async powerState(signal?: AbortSignal): Promise<PowerState> {
    return this.run(async (s) => (decodeChassisStatus(await s.command(NetFn.Chassis, Cmd.ChassisStatus, undefined, signal)).powerOn ? 'on' : 'off'), signal)
  }

  async setPower(action: PowerAction, signal?: AbortSignal): Promise<void> {
    await this.run(async (s) => {
      let code: number
      if (action === 'cycle') {
        const on = decodeChassisStatus(await s.command(NetFn.Chassis, Cmd.ChassisStatus, undefined, signal)).powerOn
        code = on ? ChassisAction.PowerCycle : ChassisAction.PowerUp
      } else {
        code = ACTIONS[action]
      }
      await s.command(NetFn.Chassis, Cmd.ChassisControl, Buffer.from([code]), signal)
    }, signal)
  }

  async bootDevice(signal?: AbortSignal): Promise<BootDeviceSetting> {
    return this.run(async (s) => {
      const f = await readBootFlags(s, signal)
      return {device: f.valid ? f.device : 'none', persistent: f.persistent, uefi: f.efi}
    }, signal)
  }

  /**
   * Param 3 first (stop the 60 s auto-clear), then param 5, then read back. A wrong device
   * fails; dropped valid/persistent/EFI bits (ipmi_sim and some BMCs) only warn.
   */
  async setBootDevice(setting: BootDeviceSetting, signal?: AbortSignal): Promise<void> {
    await this.run(async (s) => {
      await s.command(NetFn.Chassis, Cmd.SetBootOptions, Buffer.from([BootParam.ValidBitClearing, KEEP_FLAGS_PAST_60S]), signal)
      const flags = encodeBootFlags({valid: setting.device !== 'none', persistent: setting.persistent, efi: setting.uefi, device: setting.device})
      await s.command(NetFn.Chassis, Cmd.SetBootOptions, Buffer.concat([Buffer.from([BootParam.BootFlags]), flags]), signal)
      if (setting.device === 'none') return
      const got = await readBootFlags(s, signal)
      if (got.device !== setting.device) {
        throw new IpmiError('protocol', `${this.opts.address}: boot device read back as ${got.device}, expected ${setting.device}`)
      }
      if (!got.valid || got.persistent !== setting.persistent || got.efi !== setting.uefi) {
        this.opts.log?.warn('BMC dropped boot flag bits', {bmc: this.opts.address, expected: describe(setting), got: describe({device: got.device, persistent: got.persistent, uefi: got.efi}), valid: got.valid})
      }
    }, signal)
  }

  async info(signal?: AbortSignal): Promise<BmcInfo> {
    return this.run(async (s) => {
      const d = decodeDeviceId(await s.command(NetFn.App, Cmd.GetDeviceId, undefined, signal))
      return {
        protocol: `IPMI ${d.ipmiVersion}`,
        manufacturer: `IANA ${d.manufacturerId}`,
        product: `0x${d.productId.toString(16).padStart(4, '0')}`,
        firmware: `${d.firmwareMajor}.${String(d.firmwareMinor).padStart(2, '0')}`,
        privilege: s.privilegeName,
        cipherSuite: s.cipherSuite,
        deviceId: d.deviceId,
      }
    }, signal)
  }

  /** SOL on a session of its own (an active payload ties up its session). */
  async openConsole(signal?: AbortSignal): Promise<ConsoleStream> {
    try {
      return await openSolConsole(this.session, signal)
    } catch (err) {
      throw toBmcError(err)
    }
  }

  /**
   * Unpooled: Close Session now. Pooled: the shared session stays warm for the next
   * caller (closed after POOL_IDLE_MS idle or by closeAllIpmiSessions() at shutdown).
   */
  async close(): Promise<void> {
    const own = this.own
    this.own = undefined
    await own?.then((s) => s.close(), () => undefined)
  }

  /** Close this BMC's pooled session now (e.g. before the BMC is reset or re-credentialed). */
  async closeShared(): Promise<void> {
    await closeIpmiSession(this.session)
  }
}

async function readBootFlags(s: IpmiSession, signal?: AbortSignal): Promise<BootFlags> {
  const rsp = decodeGetBootOptionResponse(await s.command(NetFn.Chassis, Cmd.GetBootOptions, encodeGetBootOption(BootParam.BootFlags), signal))
  return decodeBootFlags(rsp.data)
}

function describe(b: BootDeviceSetting): string {
  return `${b.device}${b.persistent ? ' persistent' : ' one-time'}${b.uefi ? ' uefi' : ' legacy'}`
}

export function toBmcError(err: unknown): BmcError {
  if (err instanceof BmcError) return err
  if (err instanceof IpmiError) return new BmcError(err.kind, err.message, 'ipmi')
  return new BmcError('protocol', (err as Error)?.message ?? String(err), 'ipmi')
}
