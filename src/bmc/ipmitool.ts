import {execa} from 'execa'
import {EnvironmentError} from '../errors.js'
import type {Logger} from '../log.js'
import {
  bootFlagBytes,
  classifyFailure,
  hex,
  parseBootOptions,
  parseMcInfo,
  parsePowerStatus,
  parseRawBytes,
  parseSessionPrivilege,
} from './ipmitool-output.js'
import {BmcError, BmcErrorKind, type BmcInfo, type BmcProvider, type BootDeviceSetting, type Feature, type PowerAction, type PowerState} from './types.js'

export interface ExecResult {
  stdout: string
  stderr: string
  exitCode: number
  timedOut?: boolean
}
/** Runs a program; injectable so tests can fake ipmitool and inspect argv/env. */
export type Executor = (
  argv: string[],
  env: Record<string, string>,
  opts?: {signal?: AbortSignal; timeoutMs?: number},
) => Promise<ExecResult>

/** Default executor: execa without a shell, never rejecting on exit codes. */
export const execaExecutor: Executor = async (argv, env, opts = {}) => {
  try {
    const r = await execa(argv[0], argv.slice(1), {
      env,
      extendEnv: true,
      reject: false,
      stdin: 'ignore',
      timeout: opts.timeoutMs,
      cancelSignal: opts.signal,
    })
    if ((r as {code?: string}).code === 'ENOENT') throw enoent(argv[0])
    return {stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? -1, timedOut: r.timedOut || r.isCanceled}
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw enoent(argv[0])
    throw err
  }
}

function enoent(cmd: string): EnvironmentError {
  return new EnvironmentError(`${cmd} is not installed`, 'install the ipmitool package (scripts/deps.sh) or use driver ipmi')
}

export interface IpmitoolOptions {
  address: string
  port?: number
  username?: string
  password: string
  cipherSuite?: number
  /** Per-invocation budget; ipmitool's own retries happen inside it. */
  timeoutMs?: number
  executor?: Executor
  log?: Logger
  /** Binary to run (tests may point at a wrapper). */
  command?: string
}

const POWER_VERB: Record<PowerAction, string> = {on: 'on', off: 'off', soft: 'soft', cycle: 'cycle', reset: 'reset'}

/**
 * BMC access through the ipmitool binary, one process per command: slower than the
 * native client (a full session each time) but proven against odd BMCs, so it is the
 * fallback. The password travels only in IPMITOOL_PASSWORD (`-E`), never in argv.
 */
export class IpmitoolProvider implements BmcProvider {
  readonly name = 'ipmitool'
  readonly features: ReadonlySet<Feature> = new Set<Feature>(['power-state', 'power-set', 'boot-device-get', 'boot-device-set', 'info'])
  private readonly exec: Executor

  constructor(private readonly opts: IpmitoolOptions) {
    this.exec = opts.executor ?? execaExecutor
  }

  /** The argv for a command (without the password, which goes in the environment). */
  argv(command: string[]): string[] {
    const o = this.opts
    const base = [o.command ?? 'ipmitool', '-I', 'lanplus', '-H', o.address, '-p', String(o.port ?? 623)]
    if (o.username !== undefined) base.push('-U', o.username)
    base.push('-E')
    if (o.cipherSuite !== undefined) base.push('-C', String(o.cipherSuite))
    // -v makes failures classifiable (RAKP 2 HMAC invalid, no response…); it only adds stderr.
    base.push('-N', '2', '-R', '2', '-v')
    return [...base, ...command]
  }

  async powerState(signal?: AbortSignal): Promise<PowerState> {
    return parsePowerStatus(await this.run(['chassis', 'power', 'status'], signal))
  }

  async setPower(action: PowerAction, signal?: AbortSignal): Promise<void> {
    // Cycle/reset of a machine that is off is refused or ignored by many BMCs: power on instead.
    if ((action === 'cycle' || action === 'reset') && (await this.powerState(signal)) === 'off') action = 'on'
    await this.run(['chassis', 'power', POWER_VERB[action]], signal)
  }

  async bootDevice(signal?: AbortSignal): Promise<BootDeviceSetting> {
    return parseBootOptions(parseRawBytes(await this.run(['raw', '0x00', '0x09', '0x05', '0x00', '0x00'], signal)))
  }

  /** Raw bytes, not `chassis bootdev`: some ipmitool versions drop the EFI/persistent bits. */
  async setBootDevice(setting: BootDeviceSetting, signal?: AbortSignal): Promise<void> {
    // Parameter 3 = 0x08 stops the BMC from clearing the flags after 60 s (as Ironic does).
    await this.run(['raw', '0x00', '0x08', '0x03', '0x08'], signal)
    const [flags, dev] = bootFlagBytes(setting)
    await this.run(['raw', '0x00', '0x08', '0x05', hex(flags), hex(dev), '0x00', '0x00', '0x00'], signal)
  }

  async info(signal?: AbortSignal): Promise<BmcInfo> {
    const info = parseMcInfo(await this.run(['mc', 'info'], signal))
    try {
      const privilege = parseSessionPrivilege(await this.run(['session', 'info', 'active'], signal))
      if (privilege) info.privilege = privilege
    } catch (err) {
      this.opts.log?.debug('ipmitool session info unavailable', {error: (err as Error).message})
    }
    return info
  }

  /** Nothing to release: every ipmitool run opens and closes its own session. */
  async close(): Promise<void> {}

  private async run(command: string[], signal?: AbortSignal): Promise<string> {
    const argv = this.argv(command)
    const what = command.join(' ')
    this.opts.log?.debug('ipmitool', {argv})
    const r = await this.exec(argv, {IPMITOOL_PASSWORD: this.opts.password}, {signal, timeoutMs: this.opts.timeoutMs ?? 20000})
    if (r.timedOut) throw new BmcError(BmcErrorKind.Timeout, `ipmitool ${what}: no answer from ${this.opts.address}`, this.name)
    if (r.exitCode !== 0) throw classifyFailure(r.stderr, r.stdout, what)
    return r.stdout
  }
}
