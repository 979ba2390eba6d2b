import {IpmiDecodeError, need} from './constants.js'

/** Open Session and RAKP 1–4 payloads (IPMI 2.0 §13.17–13.23). */

export interface OpenSessionRequest {
  tag: number
  /** Requested maximum privilege (0 = highest the proposed algorithms allow). */
  privilege: number
  consoleSessionId: number
  authAlg: number
  integrityAlg: number
  confAlg: number
}

export interface OpenSessionResponse {
  tag: number
  status: number
  privilege: number
  consoleSessionId: number
  /** Present when status is 0. */
  bmcSessionId?: number
  authAlg?: number
  integrityAlg?: number
  confAlg?: number
}

function algRecord(type: number, alg: number): Buffer {
  return Buffer.from([type, 0, 0, 8, alg, 0, 0, 0])
}

export function encodeOpenSessionRequest(r: OpenSessionRequest): Buffer {
  const head = Buffer.alloc(8)
  head[0] = r.tag
  head[1] = r.privilege
  head.writeUInt32LE(r.consoleSessionId >>> 0, 4)
  return Buffer.concat([head, algRecord(0, r.authAlg), algRecord(1, r.integrityAlg), algRecord(2, r.confAlg)])
}

export function decodeOpenSessionRequest(buf: Buffer): OpenSessionRequest {
  need(buf, 32, 'Open Session Request')
  return {
    tag: buf[0], privilege: buf[1] & 0x0f, consoleSessionId: buf.readUInt32LE(4),
    authAlg: buf[12] & 0x3f, integrityAlg: buf[20] & 0x3f, confAlg: buf[28] & 0x3f,
  }
}

export function encodeOpenSessionResponse(r: OpenSessionResponse): Buffer {
  const head = Buffer.alloc(r.status === 0 ? 12 : 8)
  head[0] = r.tag
  head[1] = r.status
  head[2] = r.privilege
  head.writeUInt32LE(r.consoleSessionId >>> 0, 4)
  if (r.status !== 0) return head
  head.writeUInt32LE((r.bmcSessionId ?? 0) >>> 0, 8)
  return Buffer.concat([head, algRecord(0, r.authAlg ?? 0), algRecord(1, r.integrityAlg ?? 0), algRecord(2, r.confAlg ?? 0)])
}

export function decodeOpenSessionResponse(buf: Buffer): OpenSessionResponse {
  need(buf, 8, 'Open Session Response')
  const base = {tag: buf[0], status: buf[1], privilege: buf[2], consoleSessionId: buf.readUInt32LE(4)}
  if (base.status !== 0) return base
  need(buf, 36, 'Open Session Response')
  return {...base, bmcSessionId: buf.readUInt32LE(8), authAlg: buf[16] & 0x3f, integrityAlg: buf[24] & 0x3f, confAlg: buf[32] & 0x3f}
}

export interface Rakp1 {
  tag: number
  bmcSessionId: number
  consoleRandom: Buffer
  /** Whole role byte: privilege (bits 3:0) | 0x10 for name-only lookup. */
  role: number
  username: string
}

export function encodeRakp1(r: Rakp1): Buffer {
  const name = Buffer.from(r.username, 'utf8')
  if (name.length > 16) throw new Error('IPMI user names are at most 16 bytes')
  const head = Buffer.alloc(28)
  head[0] = r.tag
  head.writeUInt32LE(r.bmcSessionId >>> 0, 4)
  r.consoleRandom.copy(head, 8, 0, 16)
  head[24] = r.role
  head[27] = name.length
  return Buffer.concat([head, name])
}

export function decodeRakp1(buf: Buffer): Rakp1 {
  need(buf, 28, 'RAKP 1')
  const len = buf[27]
  if (len > 16) throw new IpmiDecodeError(`RAKP 1 user name length ${len} > 16`)
  need(buf, 28 + len, 'RAKP 1 user name')
  return {
    tag: buf[0], bmcSessionId: buf.readUInt32LE(4), consoleRandom: Buffer.from(buf.subarray(8, 24)),
    role: buf[24], username: buf.subarray(28, 28 + len).toString('utf8'),
  }
}

export interface Rakp2 {
  tag: number
  status: number
  consoleSessionId: number
  bmcRandom: Buffer
  bmcGuid: Buffer
  authCode: Buffer
}

export function encodeRakp2(r: Rakp2): Buffer {
  const head = Buffer.alloc(r.status === 0 ? 40 : 8)
  head[0] = r.tag
  head[1] = r.status
  head.writeUInt32LE(r.consoleSessionId >>> 0, 4)
  if (r.status !== 0) return head
  r.bmcRandom.copy(head, 8, 0, 16)
  r.bmcGuid.copy(head, 24, 0, 16)
  return Buffer.concat([head, r.authCode])
}

export function decodeRakp2(buf: Buffer): Rakp2 {
  need(buf, 8, 'RAKP 2')
  const base = {tag: buf[0], status: buf[1], consoleSessionId: buf.readUInt32LE(4)}
  if (base.status !== 0) return {...base, bmcRandom: Buffer.alloc(0), bmcGuid: Buffer.alloc(0), authCode: Buffer.alloc(0)}
  need(buf, 40, 'RAKP 2')
  return {...base, bmcRandom: Buffer.from(buf.subarray(8, 24)), bmcGuid: Buffer.from(buf.subarray(24, 40)), authCode: Buffer.from(buf.subarray(40))}
}

/** RAKP 3 and RAKP 4 share a shape: tag, status, a session ID, an HMAC. */
export interface RakpShort {
  tag: number
  status: number
  sessionId: number
  authCode: Buffer
}

export function encodeRakpShort(r: RakpShort): Buffer {
  const head = Buffer.alloc(8)
  head[0] = r.tag
  head[1] = r.status
  head.writeUInt32LE(r.sessionId >>> 0, 4)
  return Buffer.concat([head, r.status === 0 ? r.authCode : Buffer.alloc(0)])
}

export function decodeRakpShort(buf: Buffer, what: string): RakpShort {
  need(buf, 8, what)
  return {tag: buf[0], status: buf[1], sessionId: buf.readUInt32LE(4), authCode: Buffer.from(buf.subarray(8))}
}
