import {IpmiDecodeError, need} from './constants.js'

/** RMCP (ASF 2.0 §3.2.2) framing and ASF presence ping/pong. Hand-written: nothing on npm fits. */
export const RMCP_VERSION = 0x06
export const RmcpClass = {Asf: 0x06, Ipmi: 0x07} as const
/** Sequence 0xff: "no RMCP ACK" — IPMI never uses RMCP-level acks. */
const NO_ACK = 0xff
const ASF_IANA = 4542

export interface RmcpHeader {
  sequence: number
  /** Message class (low 7 bits); bit 7 would mark an RMCP ACK. */
  cls: number
}

export function encodeRmcpHeader(cls: number, sequence = NO_ACK): Buffer {
  return Buffer.from([RMCP_VERSION, 0x00, sequence, cls])
}

export function decodeRmcpHeader(buf: Buffer): RmcpHeader {
  need(buf, 4, 'RMCP header')
  if (buf[0] !== RMCP_VERSION) throw new IpmiDecodeError(`RMCP version 0x${buf[0].toString(16)} is not 0x06`)
  return {sequence: buf[2], cls: buf[3] & 0x7f}
}

export interface AsfMessage {
  type: 'ping' | 'pong'
  tag: number
  /** Pong only: bit 7 of supported entities = IPMI supported. */
  ipmiSupported?: boolean
}

const ASF_PING = 0x80
const ASF_PONG = 0x40

export function encodeAsf(msg: AsfMessage): Buffer {
  const body = Buffer.alloc(msg.type === 'ping' ? 8 : 24)
  body.writeUInt32BE(ASF_IANA, 0)
  body[4] = msg.type === 'ping' ? ASF_PING : ASF_PONG
  body[5] = msg.tag & 0xff
  if (msg.type === 'pong') {
    body[7] = 16
    body.writeUInt32BE(ASF_IANA, 8)
    body[16] = msg.ipmiSupported === false ? 0x01 : 0x81
  }
  return Buffer.concat([encodeRmcpHeader(RmcpClass.Asf), body])
}

export function decodeAsf(buf: Buffer): AsfMessage {
  const hdr = decodeRmcpHeader(buf)
  if (hdr.cls !== RmcpClass.Asf) throw new IpmiDecodeError('not an ASF message')
  need(buf, 12, 'ASF message')
  if (buf.readUInt32BE(4) !== ASF_IANA) throw new IpmiDecodeError('ASF IANA number is not 4542')
  const type = buf[8] === ASF_PING ? 'ping' : buf[8] === ASF_PONG ? 'pong' : undefined
  if (!type) throw new IpmiDecodeError(`ASF message type 0x${buf[8].toString(16)} is neither ping nor pong`)
  if (type === 'ping') return {type, tag: buf[9]}
  need(buf, 12 + 10, 'ASF pong')
  return {type, tag: buf[9], ipmiSupported: (buf[20] & 0x80) !== 0}
}
