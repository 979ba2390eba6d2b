import {createCipheriv, createDecipheriv, createHmac, randomBytes} from 'node:crypto'
import {IpmiDecodeError} from './constants.js'

/**
 * RMCP+ cryptography (IPMI 2.0 §13.28–13.32): RAKP HMACs, session keys, integrity and
 * AES-CBC-128 confidentiality with IPMI's own padding. Pure functions over buffers.
 */
export type Hash = 'sha1' | 'sha256'

export interface CipherSuite {
  id: number
  /** Authentication algorithm number: 1 RAKP-HMAC-SHA1, 3 RAKP-HMAC-SHA256. */
  authAlg: number
  /** Integrity algorithm number: 1 HMAC-SHA1-96, 4 HMAC-SHA256-128. */
  integrityAlg: number
  /** Confidentiality algorithm number: 1 AES-CBC-128. */
  confAlg: number
  hash: Hash
  /** Bytes of the integrity AuthCode trailer (and of the RAKP 4 check value). */
  authCodeLength: number
}

/** The suites we speak. Suite 0 (no authentication) is deliberately absent. */
export const CIPHER_SUITES: Readonly<Record<number, CipherSuite>> = {
  3: {id: 3, authAlg: 1, integrityAlg: 1, confAlg: 1, hash: 'sha1', authCodeLength: 12},
  17: {id: 17, authAlg: 3, integrityAlg: 4, confAlg: 1, hash: 'sha256', authCodeLength: 16},
}

export function suiteByAlgorithms(authAlg: number, integrityAlg: number, confAlg: number): CipherSuite | undefined {
  return Object.values(CIPHER_SUITES).find((s) => s.authAlg === authAlg && s.integrityAlg === integrityAlg && s.confAlg === confAlg)
}

export function hmac(hash: Hash, key: Buffer, ...parts: Buffer[]): Buffer {
  const h = createHmac(hash, key)
  for (const p of parts) h.update(p)
  return h.digest()
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(n >>> 0)
  return b
}

/** Kuid: the user's password bytes (HMAC zero-pads keys, so 20-byte padding is implied). */
export function userKey(password: string): Buffer {
  return Buffer.from(password, 'utf8')
}

/** What both sides know after RAKP 1/2; the inputs of every RAKP HMAC. */
export interface RakpContext {
  /** Remote console session ID (SIDm). */
  consoleSessionId: number
  /** Managed system (BMC) session ID (SIDc). */
  bmcSessionId: number
  /** Remote console random number Rm (16 bytes). */
  consoleRandom: Buffer
  /** Managed system random number Rc (16 bytes). */
  bmcRandom: Buffer
  /** Managed system GUID (16 bytes). */
  bmcGuid: Buffer
  /** The whole requested-role byte of RAKP 1 (privilege + lookup bit). */
  role: number
  username: string
}

function nameBytes(ctx: RakpContext): Buffer[] {
  const name = Buffer.from(ctx.username, 'utf8')
  return [Buffer.from([ctx.role, name.length]), name]
}

/** RAKP 2 key exchange authentication code: HMAC_Kuid(SIDm|SIDc|Rm|Rc|GUIDc|ROLEm|ULEN|UNAME). */
export function rakp2Hmac(suite: CipherSuite, kuid: Buffer, ctx: RakpContext): Buffer {
  return hmac(suite.hash, kuid, u32le(ctx.consoleSessionId), u32le(ctx.bmcSessionId), ctx.consoleRandom,
    ctx.bmcRandom, ctx.bmcGuid, ...nameBytes(ctx))
}

/** RAKP 3 key exchange authentication code: HMAC_Kuid(Rc|SIDm|ROLEm|ULEN|UNAME). */
export function rakp3Hmac(suite: CipherSuite, kuid: Buffer, ctx: RakpContext): Buffer {
  return hmac(suite.hash, kuid, ctx.bmcRandom, u32le(ctx.consoleSessionId), ...nameBytes(ctx))
}

/** Session integrity key: HMAC_KG(Rm|Rc|ROLEm|ULEN|UNAME); KG defaults to Kuid. */
export function sessionIntegrityKey(suite: CipherSuite, kg: Buffer, ctx: RakpContext): Buffer {
  return hmac(suite.hash, kg, ctx.consoleRandom, ctx.bmcRandom, ...nameBytes(ctx))
}

/** RAKP 4 integrity check value: HMAC_SIK(Rm|SIDc|GUIDc), truncated. */
export function rakp4Icv(suite: CipherSuite, sik: Buffer, ctx: RakpContext): Buffer {
  return hmac(suite.hash, sik, ctx.consoleRandom, u32le(ctx.bmcSessionId), ctx.bmcGuid).subarray(0, suite.authCodeLength)
}

export interface SessionKeys {
  sik: Buffer
  /** Integrity key. */
  k1: Buffer
  /** Confidentiality key material; AES uses its first 16 bytes. */
  k2: Buffer
  aesKey: Buffer
}

/** K1/K2 = HMAC_SIK(20 × 0x01 / 20 × 0x02); 20-byte constants for SHA256 too, as ipmitool and BMCs do. */
export function deriveKeys(suite: CipherSuite, kg: Buffer, ctx: RakpContext): SessionKeys {
  const sik = sessionIntegrityKey(suite, kg, ctx)
  const k1 = hmac(suite.hash, sik, Buffer.alloc(20, 0x01))
  const k2 = hmac(suite.hash, sik, Buffer.alloc(20, 0x02))
  return {sik, k1, k2, aesKey: k2.subarray(0, 16)}
}

/** Integrity AuthCode over the session header..next-header bytes, keyed by K1. */
export function integrityCode(suite: CipherSuite, k1: Buffer, covered: Buffer): Buffer {
  return hmac(suite.hash, k1, covered).subarray(0, suite.authCodeLength)
}

/** IPMI confidentiality trailer: pad bytes 1,2,3… then the pad length, to a 16-byte multiple. */
export function confidentialityPad(length: number): Buffer {
  const padLen = (16 - ((length + 1) % 16)) % 16
  const pad = Buffer.alloc(padLen + 1)
  for (let i = 0; i < padLen; i++) pad[i] = i + 1
  pad[padLen] = padLen
  return pad
}

/** AES-CBC-128 payload: IV (16) then ciphertext of payload + IPMI padding. */
export function encryptPayload(aesKey: Buffer, payload: Buffer, iv: Buffer = randomBytes(16)): Buffer {
  const c = createCipheriv('aes-128-cbc', aesKey, iv).setAutoPadding(false)
  const plain = Buffer.concat([payload, confidentialityPad(payload.length)])
  return Buffer.concat([iv, c.update(plain), c.final()])
}

export function decryptPayload(aesKey: Buffer, data: Buffer): Buffer {
  if (data.length < 32 || data.length % 16 !== 0) throw new IpmiDecodeError(`encrypted payload of ${data.length} bytes is not IV + n×16`)
  const d = createDecipheriv('aes-128-cbc', aesKey, data.subarray(0, 16)).setAutoPadding(false)
  const plain = Buffer.concat([d.update(data.subarray(16)), d.final()])
  const padLen = plain[plain.length - 1]
  if (padLen > 15) throw new IpmiDecodeError(`confidentiality pad length ${padLen} > 15`)
  const end = plain.length - 1 - padLen
  for (let i = 0; i < padLen; i++) {
    if (plain[end + i] !== i + 1) throw new IpmiDecodeError('confidentiality padding is corrupt')
  }
  return plain.subarray(0, end)
}
