import {IpmiDecodeError, need} from './constants.js'
import {type CipherSuite, type SessionKeys, decryptPayload, encryptPayload, integrityCode} from './crypto.js'
import {RmcpClass, decodeRmcpHeader, encodeRmcpHeader} from './rmcp.js'

/**
 * IPMI session wrappers inside RMCP: the v1.5 one (only for pre-session Get Channel
 * Authentication Capabilities) and the v2.0/RMCP+ one (§13.6) with integrity trailer.
 */
export const AUTH_TYPE_NONE = 0x00
export const AUTH_TYPE_RMCPP = 0x06
const NEXT_HEADER = 0x07
const OEM_EXPLICIT = 0x02

export interface V15Packet {
  version: '1.5'
  authType: number
  sequence: number
  sessionId: number
  payload: Buffer
}

export interface V20Packet {
  version: '2.0'
  payloadType: number
  encrypted: boolean
  authenticated: boolean
  sessionId: number
  sequence: number
  payload: Buffer
}

export type SessionPacket = V15Packet | V20Packet

/** Session crypto for one direction of one session. */
export interface PacketCrypto {
  suite: CipherSuite
  keys: SessionKeys
}

export function encodeV15(p: Omit<V15Packet, 'version'>): Buffer {
  if (p.authType !== AUTH_TYPE_NONE) throw new Error('only authentication type none is supported for IPMI 1.5 packets')
  const head = Buffer.alloc(10)
  head[0] = p.authType
  head.writeUInt32LE(p.sequence >>> 0, 1)
  head.writeUInt32LE(p.sessionId >>> 0, 5)
  head[9] = p.payload.length
  return Buffer.concat([encodeRmcpHeader(RmcpClass.Ipmi), head, p.payload])
}

export function encodeV20(p: Omit<V20Packet, 'version'>, crypto?: PacketCrypto, iv?: Buffer): Buffer {
  if ((p.encrypted || p.authenticated) && !crypto) throw new Error('an authenticated or encrypted packet needs session keys')
  const body = p.encrypted && crypto ? encryptPayload(crypto.keys.aesKey, p.payload, iv) : p.payload
  const head = Buffer.alloc(12)
  head[0] = AUTH_TYPE_RMCPP
  head[1] = (p.encrypted ? 0x80 : 0) | (p.authenticated ? 0x40 : 0) | (p.payloadType & 0x3f)
  head.writeUInt32LE(p.sessionId >>> 0, 2)
  head.writeUInt32LE(p.sequence >>> 0, 6)
  head.writeUInt16LE(body.length, 10)
  let session = Buffer.concat([head, body])
  if (p.authenticated && crypto) {
    const padLen = (4 - ((session.length + 2) % 4)) % 4
    session = Buffer.concat([session, Buffer.alloc(padLen, 0xff), Buffer.from([padLen, NEXT_HEADER])])
    session = Buffer.concat([session, integrityCode(crypto.suite, crypto.keys.k1, session)])
  }
  return Buffer.concat([encodeRmcpHeader(RmcpClass.Ipmi), session])
}

/** Session ID of an RMCP+ datagram, so a server can find the session's keys before decoding. */
export function peekSessionId(buf: Buffer): number | undefined {
  if (buf.length < 10 || buf[4] !== AUTH_TYPE_RMCPP) return undefined
  const oem = (buf[5] & 0x3f) === OEM_EXPLICIT ? 6 : 0
  return buf.length >= 10 + oem ? buf.readUInt32LE(6 + oem) : undefined
}

/**
 * Decode an IPMI-class RMCP datagram. `cryptoFor(sessionId)` supplies keys for
 * authenticated/encrypted packets; a bad AuthCode or padding throws IpmiDecodeError.
 */
export function decodeSessionPacket(buf: Buffer, cryptoFor: (sessionId: number) => PacketCrypto | undefined = () => undefined): SessionPacket {
  const rmcp = decodeRmcpHeader(buf)
  if (rmcp.cls !== RmcpClass.Ipmi) throw new IpmiDecodeError(`RMCP class ${rmcp.cls} is not IPMI`)
  need(buf, 5, 'IPMI session header')
  return buf[4] === AUTH_TYPE_RMCPP ? decodeV20(buf, cryptoFor) : decodeV15(buf)
}

function decodeV15(buf: Buffer): V15Packet {
  need(buf, 14, 'IPMI 1.5 session header')
  const authType = buf[4]
  const codeLen = authType === AUTH_TYPE_NONE ? 0 : 16
  need(buf, 14 + codeLen, 'IPMI 1.5 session header')
  const len = buf[13 + codeLen]
  need(buf, 14 + codeLen + len, 'IPMI 1.5 payload')
  return {
    version: '1.5', authType, sequence: buf.readUInt32LE(5), sessionId: buf.readUInt32LE(9),
    payload: Buffer.from(buf.subarray(14 + codeLen, 14 + codeLen + len)),
  }
}

function decodeV20(buf: Buffer, cryptoFor: (sessionId: number) => PacketCrypto | undefined): V20Packet {
  need(buf, 16, 'RMCP+ session header')
  const typeByte = buf[5]
  if ((typeByte & 0x3f) === OEM_EXPLICIT) throw new IpmiDecodeError('OEM explicit payloads are not supported')
  const encrypted = (typeByte & 0x80) !== 0
  const authenticated = (typeByte & 0x40) !== 0
  const sessionId = buf.readUInt32LE(6)
  const sequence = buf.readUInt32LE(10)
  const len = buf.readUInt16LE(14)
  need(buf, 16 + len, 'RMCP+ payload')
  const crypto = encrypted || authenticated ? cryptoFor(sessionId) : undefined
  if ((encrypted || authenticated) && !crypto) throw new IpmiDecodeError(`no session keys for session 0x${sessionId.toString(16)}`)
  if (authenticated && crypto) checkIntegrity(buf, 16 + len, crypto)
  const raw = buf.subarray(16, 16 + len)
  const payload = encrypted && crypto ? decryptPayload(crypto.keys.aesKey, raw) : raw
  return {version: '2.0', payloadType: typeByte & 0x3f, encrypted, authenticated, sessionId, sequence, payload: Buffer.from(payload)}
}

function checkIntegrity(buf: Buffer, payloadEnd: number, crypto: PacketCrypto): void {
  const padLen = (4 - ((payloadEnd - 4 + 2) % 4)) % 4
  const trailerEnd = payloadEnd + padLen + 2
  need(buf, trailerEnd + crypto.suite.authCodeLength, 'RMCP+ integrity trailer')
  if (buf[trailerEnd - 2] !== padLen || buf[trailerEnd - 1] !== NEXT_HEADER) throw new IpmiDecodeError('RMCP+ integrity pad is malformed')
  const expected = integrityCode(crypto.suite, crypto.keys.k1, buf.subarray(4, trailerEnd))
  const got = buf.subarray(trailerEnd, trailerEnd + crypto.suite.authCodeLength)
  if (!expected.equals(got)) throw new IpmiDecodeError('RMCP+ integrity check failed (AuthCode mismatch)')
}
