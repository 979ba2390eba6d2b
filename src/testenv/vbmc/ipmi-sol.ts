import {type SolPacket, decodeSol, encodeSol, nextSolSequence} from '../../protocols/ipmi/sol.js'
import type {MachineConsole} from '../machine.js'

/**
 * SOL relay for one activated session: machine console bytes go out one packet at a
 * time (resent until acked); console data coming in is acked and typed into the machine.
 */
const CHUNK = 200
const RESEND_MS = 400
const RESENDS = 5

export class SolRelay {
  private buffered: Buffer[] = []
  private inflight?: {seq: number; data: Buffer; tries: number; timer: NodeJS.Timeout}
  private seq = 0
  private lastInbound = -1
  private readonly onConsole = (data: Buffer) => { this.buffered.push(data); this.pump() }

  constructor(private readonly console: MachineConsole, private readonly send: (payload: Buffer) => void) {
    console.on('data', this.onConsole)
  }

  /** A SOL payload from the remote console. */
  receive(payload: Buffer): void {
    let p: SolPacket
    try { p = decodeSol(payload) } catch { return }
    if (p.ackSequence && this.inflight?.seq === p.ackSequence) {
      clearTimeout(this.inflight.timer)
      this.inflight = undefined
      this.pump()
    }
    if (p.sequence === 0 || p.data.length === 0) return
    this.send(encodeSol({sequence: 0, ackSequence: p.sequence, acceptedChars: p.data.length, status: 0, data: Buffer.alloc(0)}))
    if (p.sequence === this.lastInbound) return
    this.lastInbound = p.sequence
    this.console.write(p.data)
  }

  private pump(): void {
    if (this.inflight || this.buffered.length === 0) return
    const all = Buffer.concat(this.buffered)
    const data = all.subarray(0, CHUNK)
    this.buffered = all.length > CHUNK ? [all.subarray(CHUNK)] : []
    this.seq = nextSolSequence(this.seq)
    this.transmit({seq: this.seq, data, tries: 0})
  }

  private transmit(f: {seq: number; data: Buffer; tries: number}): void {
    this.send(encodeSol({sequence: f.seq, ackSequence: 0, acceptedChars: 0, status: 0, data: f.data}))
    const timer = setTimeout(() => {
      this.inflight = undefined
      if (f.tries + 1 < RESENDS) this.transmit({...f, tries: f.tries + 1})
      else this.pump()
    }, RESEND_MS)
    timer.unref()
    this.inflight = {...f, timer}
  }

  stop(): void {
    this.console.off('data', this.onConsole)
    if (this.inflight) clearTimeout(this.inflight.timer)
    this.inflight = undefined
    this.buffered = []
  }
}
