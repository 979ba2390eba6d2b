import {need} from './constants.js'

/** SOL payload (IPMI 2.0 §15.9): sequence, ack/nack of the peer's sequence, accepted count, status. */
export interface SolPacket {
  /** 1–15; 0 = ack-only packet carrying no characters. */
  sequence: number
  /** Sequence being acked/nacked; 0 = none. */
  ackSequence: number
  acceptedChars: number
  /** Operation (console→BMC) or status (BMC→console) bits. */
  status: number
  data: Buffer
}

export const SolStatus = {
  /** Bit 6: NACK (BMC→console: data not accepted). */
  Nack: 0x40,
  /** Bit 5 (BMC→console): character transfer unavailable. */
  TransferUnavailable: 0x20,
  /** Bit 4 (BMC→console): SOL deactivating. */
  Deactivating: 0x10,
} as const

export function encodeSol(p: SolPacket): Buffer {
  return Buffer.concat([Buffer.from([p.sequence & 0x0f, p.ackSequence & 0x0f, p.acceptedChars & 0xff, p.status]), p.data])
}

export function decodeSol(buf: Buffer): SolPacket {
  need(buf, 4, 'SOL payload')
  return {sequence: buf[0] & 0x0f, ackSequence: buf[1] & 0x0f, acceptedChars: buf[2], status: buf[3], data: Buffer.from(buf.subarray(4))}
}

/** Next SOL sequence number: 1..15 wrapping, never 0. */
export function nextSolSequence(seq: number): number {
  return (seq % 15) + 1
}
