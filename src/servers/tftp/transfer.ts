import type {RemoteInfo, Socket} from 'node:dgram'
import {dataHeader, decodePacket, encodePacket, TftpErrorCode, type TftpOptions, type TftpPacket} from '../../protocols/tftp/packet.js'
import type {TransferParams} from '../../protocols/tftp/options.js'
import type {BlockSource} from './source.js'

/**
 * One read transfer on its own ephemeral socket (the transfer ID of RFC 1350): optional
 * OACK handshake, then windows of DATA (RFC 7440; windowsize 1 is classic lock-step).
 * Only an ACK that advances the window triggers sending, so duplicate ACKs never cause
 * duplicate DATA (the Sorcerer's Apprentice bug); lost packets are covered by the timer.
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

type Event = {kind: 'packet'; packet: TftpPacket} | {kind: 'timeout'} | {kind: 'abort'}

/** Queues datagrams from the peer so the transfer loop can await them with a deadline. */
class Inbox {
  private queue: TftpPacket[] = []
  private waiter?: (e: Event) => void
  private timer?: NodeJS.Timeout
  aborted = false

  constructor(private socket: Socket, private peer: Peer, signal?: AbortSignal) {
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo))
    signal?.addEventListener('abort', () => { this.aborted = true; this.deliver({kind: 'abort'}) }, {once: true})
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    if (rinfo.address !== this.peer.address || rinfo.port !== this.peer.port) {
      // A stray sender is told off without disturbing the transfer (RFC 1350 §4).
      this.socket.send(encodePacket({op: 'error', code: TftpErrorCode.UnknownTid, message: 'unknown transfer ID'}), rinfo.port, rinfo.address)
      return
    }
    let packet: TftpPacket
    try { packet = decodePacket(msg) } catch { return }
    if (this.waiter) this.deliver({kind: 'packet', packet})
    else this.queue.push(packet)
  }

  private deliver(e: Event): void {
    const w = this.waiter
    if (!w) return
    this.waiter = undefined
    clearTimeout(this.timer)
    w(e)
  }

  /** Next packet from the peer, or a timeout at `deadline` (epoch ms). */
  next(deadline: number): Promise<Event> {
    if (this.aborted) return Promise.resolve({kind: 'abort'})
    const queued = this.queue.shift()
    if (queued) return Promise.resolve({kind: 'packet', packet: queued})
    return new Promise((resolve) => {
      this.waiter = resolve
      this.timer = setTimeout(() => this.deliver({kind: 'timeout'}), Math.max(0, deadline - Date.now()))
    })
  }
}

export async function runReadTransfer(o: ReadTransferOptions): Promise<TransferResult> {
  const inbox = new Inbox(o.socket, o.peer, o.signal)
  const send = (parts: Buffer[]) => o.socket.send(parts, o.peer.port, o.peer.address)
  const {blksize, windowsize, timeoutMs} = o.params
  let retransmits = 0
  let bytes = 0
  const fail = (reason: string, clientError?: {code: number; message: string}): TransferResult => ({ok: false, reason, clientError, bytes, retransmits})

  if (o.oack && Object.keys(o.oack).length > 0) {
    const oack = encodePacket({op: 'oack', options: o.oack})
    const r = await handshake(inbox, () => send([oack]), timeoutMs, o.maxRetries)
    retransmits += r.retransmits
    if (r.outcome !== 'ok') return fail(r.outcome === 'timeout' ? 'no ACK for OACK' : r.outcome, r.clientError)
  }

  // window[i] is block number base + i (absolute, 1-based); the wire number is mod 65536.
  let base = 1
  let window: Buffer[] = []
  let finalRead = false
  const fill = async () => {
    while (window.length < windowsize && !finalRead) {
      const block = await o.source.next()
      if (block.length < blksize) finalRead = true
      window.push(block)
    }
  }
  const sendWindow = () => {
    for (let i = 0; i < window.length; i++) send([dataHeader((base + i) & 0xffff), window[i]])
  }

  await fill()
  sendWindow()
  let deadline = Date.now() + timeoutMs
  let retries = 0
  let restartedOnDup = false
  for (;;) {
    const e = await inbox.next(deadline)
    if (e.kind === 'abort') return fail('server shutting down')
    if (e.kind === 'timeout') {
      if (++retries > o.maxRetries) return fail(`timed out after ${o.maxRetries} retransmissions at block ${base}`)
      retransmits += window.length
      sendWindow()
      deadline = Date.now() + timeoutMs
      continue
    }
    const p = e.packet
    if (p.op === 'error') return fail(`client sent ERROR ${p.code}: ${p.message}`, {code: p.code, message: p.message})
    if (p.op !== 'ack') continue
    const advanced = (p.block - (base - 1)) & 0xffff
    if (advanced === 0 && windowsize > 1 && !restartedOnDup) {
      // RFC 7440: an ACK of the block before the window means "nothing arrived, restart";
      // honoured once per window so duplicated ACKs cannot multiply DATA.
      restartedOnDup = true
      retransmits += window.length
      sendWindow()
      deadline = Date.now() + timeoutMs
      continue
    }
    if (advanced === 0 || advanced > window.length) continue // duplicate or stale ACK: wait for the timer
    for (let i = 0; i < advanced; i++) bytes += window[i].length
    window = window.slice(advanced)
    retransmits += window.length // a partial ACK means these go out again
    base += advanced
    if (finalRead && window.length === 0) return {ok: true, bytes, blocks: base - 1, retransmits}
    // Full ACK: next window. Partial ACK (RFC 7440 §4): a new window starts after the ACKed block.
    await fill()
    sendWindow()
    restartedOnDup = false
    retries = 0
    deadline = Date.now() + timeoutMs
  }
}

interface HandshakeResult { outcome: 'ok' | 'timeout' | string; retransmits: number; clientError?: {code: number; message: string} }

async function handshake(inbox: Inbox, sendOack: () => void, timeoutMs: number, maxRetries: number): Promise<HandshakeResult> {
  let retransmits = 0
  sendOack()
  let deadline = Date.now() + timeoutMs
  for (;;) {
    const e = await inbox.next(deadline)
    if (e.kind === 'abort') return {outcome: 'server shutting down', retransmits}
    if (e.kind === 'timeout') {
      if (retransmits >= maxRetries) return {outcome: 'timeout', retransmits}
      retransmits++
      sendOack()
      deadline = Date.now() + timeoutMs
      continue
    }
    const p = e.packet
    if (p.op === 'ack' && p.block === 0) return {outcome: 'ok', retransmits}
    if (p.op === 'error') {
      const why = p.code === TftpErrorCode.OptionNegotiation ? 'client rejected the options (ERROR 8); it may retry without them' : `client sent ERROR ${p.code}: ${p.message}`
      return {outcome: why, retransmits, clientError: {code: p.code, message: p.message}}
    }
  }
}
