import {type Socket, createSocket} from 'node:dgram'
import {IpmiError} from './errors.js'

/**
 * One UDP socket "connected" to one BMC, with request/response exchange and
 * retransmission. Each retransmit is rebuilt (fresh session sequence number, same rqSeq).
 */
export interface ExchangeOptions {
  /** Base wait per attempt; total budget is timeoutMs × retries. */
  timeoutMs: number
  /** Transmissions of one request (≥ 1). */
  retries: number
  signal?: AbortSignal
  /** What is being asked, for the timeout message. */
  what: string
}

/**
 * Per-attempt waits with linear backoff summing to timeoutMs × retries:
 * attempt i waits timeoutMs × 2(i+1)/(retries+1), e.g. 3 tries → 0.5, 1, 1.5 × timeoutMs.
 */
export function attemptWaits(timeoutMs: number, retries: number): number[] {
  const n = Math.max(1, Math.floor(retries))
  return Array.from({length: n}, (_, i) => (timeoutMs * 2 * (i + 1)) / (n + 1))
}

type Waiter = (buf: Buffer) => boolean

export class UdpTransport {
  private readonly socket: Socket
  private waiter?: Waiter
  private unsolicited?: (buf: Buffer) => void
  private ready: Promise<void>
  private closed = false

  constructor(readonly address: string, readonly port: number) {
    this.socket = createSocket(address.includes(':') ? 'udp6' : 'udp4')
    this.socket.on('message', (buf) => this.dispatch(buf))
    this.socket.on('error', () => { /* surfaced as timeouts; socket errors carry no useful detail here */ })
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('error', reject)
      this.socket.connect(port, address, () => { this.socket.off('error', reject); resolve() })
    })
  }

  /** Datagrams no pending exchange wanted (e.g. SOL data) go here. */
  onUnsolicited(listener: (buf: Buffer) => void): void {
    this.unsolicited = listener
  }

  private dispatch(buf: Buffer): void {
    if (this.waiter?.(buf)) return
    this.unsolicited?.(buf)
  }

  async send(buf: Buffer): Promise<void> {
    await this.ready
    if (this.closed) return
    await new Promise<void>((resolve) => this.socket.send(buf, () => resolve()))
  }

  /**
   * Send `build()` and wait for a datagram `accept` returns a value for; retransmit a
   * freshly built packet on each timeout. Undecodable or foreign datagrams are ignored.
   */
  async exchange<T>(build: () => Buffer, accept: (buf: Buffer) => T | undefined, opts: ExchangeOptions): Promise<T> {
    const waits = attemptWaits(opts.timeoutMs, opts.retries)
    for (const wait of waits) {
      if (opts.signal?.aborted) throw new IpmiError('timeout', `${opts.what}: aborted`)
      const got = await this.attempt(build(), accept, wait, opts.signal)
      if (got !== undefined) return got
    }
    const budget = Math.round(opts.timeoutMs * waits.length)
    throw new IpmiError('timeout', `${opts.what}: no answer from ${this.address}:${this.port} within ${budget} ms (${waits.length} tries)`)
  }

  private async attempt<T>(packet: Buffer, accept: (buf: Buffer) => T | undefined, waitMs: number, signal?: AbortSignal): Promise<T | undefined> {
    await this.ready
    return new Promise<T | undefined>((resolve) => {
      const finish = (v: T | undefined) => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        this.waiter = undefined
        resolve(v)
      }
      const onAbort = () => finish(undefined)
      const timer = setTimeout(() => finish(undefined), waitMs)
      signal?.addEventListener('abort', onAbort, {once: true})
      this.waiter = (buf) => {
        let v: T | undefined
        try { v = accept(buf) } catch { v = undefined }
        if (v === undefined) return false
        finish(v)
        return true
      }
      if (!this.closed) this.socket.send(packet)
    })
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    try { this.socket.close() } catch { /* already closed */ }
  }
}
