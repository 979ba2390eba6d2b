import type {Logger} from '../../log.js'
import {silentLogger} from '../../log.js'
import {Cmd, NetFn, PayloadType, Privilege, privilegeName} from './constants.js'
import {CC_OK, RETRYABLE_CODES, completionName} from './completion.js'
import {encodeCloseSession} from './commands.js'
import {IpmiError} from './errors.js'
import {type Established, establish} from './handshake.js'
import {type IpmiResponse, decodeResponse, encodeRequest} from './message.js'
import {type PacketCrypto, decodeSessionPacket, encodeV20} from './packet.js'
import {UdpTransport} from './transport.js'

/** An authenticated RMCP+ session to one BMC: serialized commands, keepalive, close. */
export interface IpmiSessionOptions {
  address: string
  /** UDP port; default 623. */
  port?: number
  username: string
  password: string
  /** Force one suite (3 or 17); default: offer 17, fall back to 3. */
  cipherSuite?: number
  /** Base wait per try in ms (default 1000); total budget per request = timeoutMs × retries. */
  timeoutMs?: number
  /** Transmissions per request (default 3), also tries on retryable completion codes. */
  retries?: number
  /** Minimum gap between commands to this BMC in ms (default 50). */
  minIntervalMs?: number
  /** Idle time after which a no-op (Get Device ID) keeps the session alive (default 30000). */
  keepaliveMs?: number
  log?: Logger
}

export const IPMI_DEFAULTS = {port: 623, timeoutMs: 1000, retries: 3, minIntervalMs: 50, keepaliveMs: 30_000} as const

export class IpmiSession {
  private seqOut = 1
  private rqSeq = 1
  private lastCommandAt = 0
  private queue: Promise<unknown> = Promise.resolve()
  private keepaliveTimer?: NodeJS.Timeout
  private solListener?: (payload: Buffer) => void
  private readonly crypto: PacketCrypto
  /** Highest inbound session sequence seen (replays at or below a window are dropped). */
  private seqIn = 0
  closed = false
  privilege: number = Privilege.Administrator

  private constructor(private readonly t: UdpTransport, private readonly est: Established, private readonly opts: Required<Omit<IpmiSessionOptions, 'log' | 'cipherSuite'>> & {log: Logger}) {
    this.crypto = {suite: est.suite, keys: est.keys}
    t.onUnsolicited((buf) => this.onDatagram(buf))
  }

  static async open(o: IpmiSessionOptions, signal?: AbortSignal): Promise<IpmiSession> {
    const d = IPMI_DEFAULTS
    const opts = {
      ...o, port: o.port ?? d.port, timeoutMs: o.timeoutMs ?? d.timeoutMs, retries: o.retries ?? d.retries,
      minIntervalMs: o.minIntervalMs ?? d.minIntervalMs, keepaliveMs: o.keepaliveMs ?? d.keepaliveMs, log: o.log ?? silentLogger,
    }
    const t = new UdpTransport(opts.address, opts.port)
    const suites = o.cipherSuite !== undefined ? [o.cipherSuite] : [17, 3]
    try {
      const est = await establish(t, {username: o.username, password: o.password}, suites, {timeoutMs: opts.timeoutMs, retries: opts.retries, signal})
      const s = new IpmiSession(t, est, opts)
      await s.negotiatePrivilege(signal)
      s.armKeepalive()
      opts.log.debug('ipmi session open', {bmc: `${opts.address}:${opts.port}`, user: o.username, cipherSuite: est.suite.id, privilege: privilegeName(s.privilege)})
      return s
    } catch (err) {
      t.close()
      throw err
    }
  }

  get cipherSuite(): number {
    return this.est.suite.id
  }

  get privilegeName(): string {
    return privilegeName(this.privilege)
  }

  /** Ask for administrator; accept operator when the BMC downgrades (0x80/0x81). */
  private async negotiatePrivilege(signal?: AbortSignal): Promise<void> {
    for (const level of [Privilege.Administrator, Privilege.Operator]) {
      const r = await this.request(NetFn.App, Cmd.SetSessionPrivilege, Buffer.from([level]), signal)
      if (r.completionCode === CC_OK) {
        this.privilege = r.data[0] ? r.data[0] & 0x0f : level
        if (level !== Privilege.Administrator) this.opts.log.info('ipmi privilege downgraded', {bmc: this.where, privilege: privilegeName(this.privilege)})
        return
      }
      if (r.completionCode !== 0x80 && r.completionCode !== 0x81) break
    }
    throw new IpmiError('privilege', `${this.where}: user "${this.opts.username}" cannot get operator or administrator privilege`)
  }

  private get where(): string {
    return `${this.opts.address}:${this.opts.port}`
  }

  /** Run a command; non-zero completion codes become IpmiError (retryable ones retried first). */
  async command(netFn: number, cmd: number, data: Buffer = Buffer.alloc(0), signal?: AbortSignal): Promise<Buffer> {
    const r = await this.commandRaw(netFn, cmd, data, signal)
    if (r.completionCode !== CC_OK) throw completionError(this.where, netFn, cmd, r.completionCode)
    return r.data
  }

  /** Like command() but hands back the completion code instead of throwing on it. */
  commandRaw(netFn: number, cmd: number, data: Buffer = Buffer.alloc(0), signal?: AbortSignal): Promise<IpmiResponse> {
    return this.serialize(async () => {
      let r: IpmiResponse | undefined
      for (let attempt = 0; attempt < this.opts.retries; attempt++) {
        if (attempt > 0) await sleep(this.opts.timeoutMs * attempt / 2)
        r = await this.request(netFn, cmd, data, signal)
        if (!RETRYABLE_CODES.has(r.completionCode)) return r
      }
      return r as IpmiResponse
    })
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new IpmiError('protocol', `${this.where}: session is closed`))
    const run = this.queue.then(fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  private async request(netFn: number, cmd: number, data: Buffer, signal?: AbortSignal): Promise<IpmiResponse> {
    const gap = this.lastCommandAt + this.opts.minIntervalMs - Date.now()
    if (gap > 0) await sleep(gap)
    const rqSeq = this.rqSeq
    this.rqSeq = (this.rqSeq % 63) + 1
    const msg = encodeRequest({netFn, cmd, rqSeq, data})
    try {
      return await this.t.exchange(() => this.packet(PayloadType.Ipmi, msg), (buf) => {
        const p = decodeSessionPacket(buf, () => this.crypto)
        if (p.version !== '2.0' || p.payloadType !== PayloadType.Ipmi || p.sessionId !== this.est.consoleSessionId) return undefined
        const r = decodeResponse(p.payload)
        if (r.rqSeq !== rqSeq || r.cmd !== cmd || r.netFn !== netFn + 1) return undefined
        this.seqIn = Math.max(this.seqIn, p.sequence)
        return r
      }, {timeoutMs: this.opts.timeoutMs, retries: this.opts.retries, signal, what: `${this.where} netfn 0x${netFn.toString(16)} cmd 0x${cmd.toString(16)}`})
    } finally {
      this.lastCommandAt = Date.now()
      this.armKeepalive()
    }
  }

  /** An authenticated, encrypted packet with the next outbound session sequence number. */
  private packet(payloadType: number, payload: Buffer): Buffer {
    const sequence = this.seqOut
    this.seqOut = (this.seqOut + 1) >>> 0 || 1
    return encodeV20({payloadType, encrypted: true, authenticated: true, sessionId: this.est.bmcSessionId, sequence, payload}, this.crypto)
  }

  /** Send one SOL payload (fire and forget; SOL has its own ack/retry). */
  async sendSol(payload: Buffer): Promise<void> {
    if (!this.closed) await this.t.send(this.packet(PayloadType.Sol, payload))
  }

  onSol(listener: ((payload: Buffer) => void) | undefined): void {
    this.solListener = listener
  }

  private onDatagram(buf: Buffer): void {
    try {
      const p = decodeSessionPacket(buf, () => this.crypto)
      if (p.version === '2.0' && p.payloadType === PayloadType.Sol && p.sessionId === this.est.consoleSessionId) this.solListener?.(p.payload)
    } catch (err) {
      this.opts.log.debug('ipmi datagram ignored', {bmc: this.where, reason: (err as Error).message})
    }
  }

  private armKeepalive(): void {
    clearTimeout(this.keepaliveTimer)
    if (this.closed || this.opts.keepaliveMs <= 0) return
    this.keepaliveTimer = setTimeout(() => {
      this.command(NetFn.App, Cmd.GetDeviceId).catch((err: Error) => {
        this.opts.log.debug('ipmi keepalive failed; session dropped', {bmc: this.where, reason: err.message})
        this.dispose()
      })
    }, this.opts.keepaliveMs)
    this.keepaliveTimer.unref()
  }

  /** Close Session (best effort: one short try), then release the socket. Safe twice. */
  async close(): Promise<void> {
    if (this.closed) return
    await this.serialize(async () => {
      const msg = encodeRequest({netFn: NetFn.App, cmd: Cmd.CloseSession, rqSeq: this.rqSeq, data: encodeCloseSession(this.est.bmcSessionId)})
      await this.t.exchange(() => this.packet(PayloadType.Ipmi, msg), (buf) => {
        const p = decodeSessionPacket(buf, () => this.crypto)
        return p.version === '2.0' && p.payloadType === PayloadType.Ipmi ? true : undefined
      }, {timeoutMs: Math.min(this.opts.timeoutMs, 500), retries: 1, what: 'Close Session'}).catch(() => undefined)
    }).catch(() => undefined)
    this.dispose()
  }

  /** Drop local state without talking to the BMC. */
  dispose(): void {
    this.closed = true
    clearTimeout(this.keepaliveTimer)
    this.t.close()
  }
}

export function completionError(where: string, netFn: number, cmd: number, code: number): IpmiError {
  const text = `${where}: netfn 0x${netFn.toString(16)} cmd 0x${cmd.toString(16)} failed: ${completionName(code)}`
  if (code === 0xd4) return new IpmiError('privilege', text, code)
  if (RETRYABLE_CODES.has(code)) return new IpmiError('busy', text, code)
  if (code === 0xc1 || code === 0xd5 || code === 0xd6 || code === 0x80) return new IpmiError('unsupported', text, code)
  return new IpmiError('protocol', text, code)
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
