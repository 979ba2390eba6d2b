import {Cmd, NetFn} from '../protocols/ipmi/constants.js'
import {encodeActivateSol, encodeDeactivateSol} from '../protocols/ipmi/commands.js'
import {IpmiError} from '../protocols/ipmi/errors.js'
import {IpmiSession, type IpmiSessionOptions} from '../protocols/ipmi/session.js'
import {type SolPacket, decodeSol, encodeSol, nextSolSequence} from '../protocols/ipmi/sol.js'
import type {ConsoleStream} from './types.js'

/** Characters per SOL packet we send; well under any BMC's inbound payload size. */
const CHUNK = 200
const ACK_WAIT_MS = 500
const ACK_TRIES = 4

/**
 * Serial-over-LAN over a dedicated RMCP+ session: activate payload 1, ack every data
 * packet from the BMC, resend our own data until acked, deactivate on close.
 */
export async function openSolConsole(o: IpmiSessionOptions, signal?: AbortSignal): Promise<ConsoleStream> {
  const s = await IpmiSession.open({...o, keepaliveMs: 0}, signal)
  try {
    const r = await s.commandRaw(NetFn.App, Cmd.ActivatePayload, encodeActivateSol(true, true), signal)
    if (r.completionCode === 0x80) throw new IpmiError('busy', `${o.address}: SOL is already active in another session`, 0x80)
    if (r.completionCode !== 0) throw new IpmiError(r.completionCode === 0x81 ? 'unsupported' : 'protocol', `${o.address}: Activate Payload (SOL) failed with completion code 0x${r.completionCode.toString(16)}`, r.completionCode)
  } catch (err) {
    await s.close()
    throw err
  }
  return new SolConsole(s)
}

class SolConsole implements ConsoleStream {
  private listeners: ((data: Buffer) => void)[] = []
  private seq = 0
  private lastInbound = -1
  private pendingAck?: {seq: number; resolve: () => void}
  private writes: Promise<void> = Promise.resolve()
  private closed = false

  constructor(private readonly s: IpmiSession) {
    s.onSol((payload) => this.onPacket(payload))
  }

  private onPacket(payload: Buffer): void {
    let p: SolPacket
    try { p = decodeSol(payload) } catch { return }
    if (p.ackSequence && this.pendingAck?.seq === p.ackSequence && !(p.status & 0x40)) this.pendingAck.resolve()
    if (p.sequence === 0 || p.data.length === 0) return
    void this.s.sendSol(encodeSol({sequence: 0, ackSequence: p.sequence, acceptedChars: p.data.length, status: 0, data: Buffer.alloc(0)}))
    if (p.sequence === this.lastInbound) return // a retransmit we already delivered
    this.lastInbound = p.sequence
    for (const l of this.listeners) l(p.data)
  }

  onData(listener: (data: Buffer) => void): void {
    this.listeners.push(listener)
  }

  write(data: Buffer): void {
    for (let i = 0; i < data.length; i += CHUNK) {
      const chunk = data.subarray(i, i + CHUNK)
      this.writes = this.writes.then(() => this.sendChunk(chunk)).catch(() => undefined)
    }
  }

  private async sendChunk(data: Buffer): Promise<void> {
    if (this.closed) return
    this.seq = nextSolSequence(this.seq)
    const seq = this.seq
    const acked = new Promise<void>((resolve) => { this.pendingAck = {seq, resolve} })
    for (let i = 0; i < ACK_TRIES; i++) {
      await this.s.sendSol(encodeSol({sequence: seq, ackSequence: 0, acceptedChars: 0, status: 0, data}))
      const ok = await Promise.race([acked.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ACK_WAIT_MS).unref())])
      if (ok) return
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    await this.writes
    this.closed = true
    this.s.onSol(undefined)
    await this.s.commandRaw(NetFn.App, Cmd.DeactivatePayload, encodeDeactivateSol()).catch(() => undefined)
    await this.s.close()
  }
}
