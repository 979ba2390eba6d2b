import type {RemoteInfo, Socket} from 'node:dgram'
import {dataHeader, decodePacket, encodePacket, TftpErrorCode, type TftpOptions} from '../../protocols/tftp/packet.js'
import type {TransferParams} from '../../protocols/tftp/options.js'
import type {BlockSource} from './source.js'

/**
 * One read transfer on its own ephemeral socket (the transfer ID of RFC 1350): optional
 * OACK handshake, then windows of DATA (RFC 7440; windowsize 1 is classic lock-step).
 * Only an ACK that advances the window triggers sending, so duplicate ACKs never cause
 * duplicate DATA (the Sorcerer's Apprentice bug); lost packets are covered by the timer.
 * Event-driven on purpose: an ACK is answered inside its own 'message' callback from
 * read-ahead data, with no promise hops or timer allocations per block.
 */

export interface Peer { address: string; port: number }

export interface ReadTransferOptions {
  socket: Socket
  peer: Peer
  source: BlockSource
  params: TransferParams
  /** Options to acknowledge with an OACK before DATA; empty/undefined → start with DATA 1. */
  oack?: TftpOptions
  maxRetries: number
  signal?: AbortSignal
}

export type TransferResult =
  | {ok: true; bytes: number; blocks: number; retransmits: number}
  | {ok: false; reason: string; clientError?: {code: number; message: string}; bytes: number; retransmits: number}

export function runReadTransfer(o: ReadTransferOptions): Promise<TransferResult> {
  return new Promise((resolve) => new ReadTransfer(o, resolve).start())
}

class ReadTransfer {
  private readonly blksize: number
  private readonly windowsize: number
  private readonly timeoutMs: number
  /** OACK sent and not yet acknowledged with ACK 0. */
  private handshaking = false
  private oackPacket?: Buffer
  /** window[i] is block number base + i (absolute, 1-based); the wire number is mod 65536. */
  private base = 1
  private window: Buffer[] = []
  private finalRead = false
  /** Waiting on the read-ahead: ACKs are not acted on until the window is sent. */
  private filling = false
  private restartedOnDup = false
  private retries = 0
  private retransmits = 0
  private bytes = 0
  /** When the last send happened; one lazy timer checks it instead of re-arming per block. */
  private sentAt = 0
  private timer?: NodeJS.Timeout
  private done = false
  private readonly onMessage = (msg: Buffer, rinfo: RemoteInfo) => this.message(msg, rinfo)
  private readonly onAbort = () => this.fail('server shutting down')

  constructor(private o: ReadTransferOptions, private resolve: (r: TransferResult) => void) {
    ;({blksize: this.blksize, windowsize: this.windowsize, timeoutMs: this.timeoutMs} = o.params)
  }

  start(): void {
    if (this.o.signal?.aborted) return this.fail('server shutting down')
    this.o.socket.on('message', this.onMessage)
    this.o.signal?.addEventListener('abort', this.onAbort, {once: true})
    if (this.o.oack && Object.keys(this.o.oack).length > 0) {
      this.handshaking = true
      this.oackPacket = encodePacket({op: 'oack', options: this.o.oack})
      this.send(this.oackPacket)
      this.arm()
    } else this.advance()
  }

  private send(packet: Buffer | Buffer[]): void {
    this.o.socket.send(packet, this.o.peer.port, this.o.peer.address)
    this.sentAt = Date.now()
  }

  private sendWindow(): void {
    for (let i = 0; i < this.window.length; i++) this.send([dataHeader((this.base + i) & 0xffff), this.window[i]])
  }

  private message(msg: Buffer, rinfo: RemoteInfo): void {
    if (rinfo.address !== this.o.peer.address || rinfo.port !== this.o.peer.port) {
      // A stray sender is told off without disturbing the transfer (RFC 1350 §4).
      this.o.socket.send(encodePacket({op: 'error', code: TftpErrorCode.UnknownTid, message: 'unknown transfer ID'}), rinfo.port, rinfo.address)
      return
    }
    let p
    try { p = decodePacket(msg) } catch { return }
    if (p.op === 'error') {
      if (this.handshaking && p.code === TftpErrorCode.OptionNegotiation) return this.fail('client rejected the options (ERROR 8); it may retry without them', p)
      return this.fail(`client sent ERROR ${p.code}: ${p.message}`, p)
    }
    if (p.op !== 'ack' || this.done) return
    if (this.handshaking) {
      if (p.block !== 0) return
      this.handshaking = false
      return this.advance()
    }
    if (!this.filling) this.ack(p.block)
  }

  private ack(block: number): void {
    const advanced = (block - (this.base - 1)) & 0xffff
    if (advanced === 0 && this.windowsize > 1 && !this.restartedOnDup) {
      // RFC 7440: an ACK of the block before the window means "nothing arrived, restart";
      // honoured once per window so duplicated ACKs cannot multiply DATA.
      this.restartedOnDup = true
      this.retransmits += this.window.length
      return this.sendWindow()
    }
    if (advanced === 0 || advanced > this.window.length) return // duplicate or stale ACK: wait for the timer
    for (let i = 0; i < advanced; i++) this.bytes += this.window[i].length
    this.window = advanced === this.window.length ? [] : this.window.slice(advanced)
    this.retransmits += this.window.length // a partial ACK means these go out again
    this.base += advanced
    if (this.finalRead && this.window.length === 0) return this.finish()
    // Full ACK: next window. Partial ACK (RFC 7440 §4): a new window starts after the ACKed block.
    this.advance()
  }

  /** Tops the window up from the read-ahead and sends it, waiting for the disk only if it fell behind. */
  private advance(): void {
    try {
      while (this.window.length < this.windowsize && !this.finalRead) {
        const block = this.o.source.take()
        if (block === undefined) {
          this.filling = true
          this.o.source.ready().then(() => { this.filling = false; if (!this.done) this.advance() }, (err: Error) => this.readFailed(err))
          return
        }
        if (block.length < this.blksize) this.finalRead = true
        this.window.push(block)
      }
    } catch (err) {
      return this.readFailed(err as Error)
    }
    this.sendWindow()
    this.restartedOnDup = false
    this.retries = 0
    this.arm()
  }

  /** One timer per transfer: when it fires early (the transfer progressed), it re-arms for the rest. */
  private arm(): void {
    if (this.timer || this.done) return
    this.timer = setTimeout(() => this.onTimer(), this.timeoutMs)
  }

  private onTimer(): void {
    this.timer = undefined
    if (this.done) return
    const waited = Date.now() - this.sentAt
    if (this.filling || waited < this.timeoutMs) {
      this.timer = setTimeout(() => this.onTimer(), this.filling ? this.timeoutMs : this.timeoutMs - waited)
      return
    }
    if (++this.retries > this.o.maxRetries) {
      return this.fail(this.handshaking ? 'no ACK for OACK' : `timed out after ${this.o.maxRetries} retransmissions at block ${this.base}`)
    }
    if (this.handshaking) {
      this.retransmits++
      this.send(this.oackPacket!)
    } else {
      this.retransmits += this.window.length
      this.sendWindow()
    }
    this.arm()
  }

  private readFailed(err: Error): void {
    if (this.done) return
    this.send(encodePacket({op: 'error', code: TftpErrorCode.NotDefined, message: 'read error'}))
    this.fail(`read failed: ${err.message}`)
  }

  private fail(reason: string, clientError?: {code: number; message: string}): void {
    if (this.done) return
    const {bytes, retransmits} = this
    this.end({ok: false, reason, clientError: clientError && {code: clientError.code, message: clientError.message}, bytes, retransmits})
  }

  private finish(): void {
    this.end({ok: true, bytes: this.bytes, blocks: this.base - 1, retransmits: this.retransmits})
  }

  private end(r: TransferResult): void {
    this.done = true
    clearTimeout(this.timer)
    this.timer = undefined
    this.o.socket.off('message', this.onMessage)
    this.o.signal?.removeEventListener('abort', this.onAbort)
    this.resolve(r)
  }
}
