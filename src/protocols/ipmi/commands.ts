import {IpmiDecodeError, need} from './constants.js'

/** Request/response data codecs for the commands bmpctl uses (both directions, for the vBMC). */

/** Channel 0x0e = "this channel"; bit 7 asks for the IPMI v2.0 extended data. */
export const CURRENT_CHANNEL = 0x0e

export function encodeAuthCapsRequest(privilege: number): Buffer {
  return Buffer.from([0x80 | CURRENT_CHANNEL, privilege])
}

export interface AuthCaps {
  channel: number
  /** BMC supports RMCP+ (extended data present and the v2.0 bit set). */
  ipmi20: boolean
  /** v1.5 authentication types bitmap (bit 0 none, 1 MD2, 2 MD5, 4 password). */
  authTypes: number
  /** Bits 2:0 of byte 3: anonymous login, null user names, non-null user names. */
  loginStatus: number
}

export function encodeAuthCapsResponse(c: AuthCaps): Buffer {
  return Buffer.from([c.channel, (c.ipmi20 ? 0x80 : 0) | (c.authTypes & 0x3f), c.loginStatus & 0x3f, c.ipmi20 ? 0x02 : 0x01, 0, 0, 0, 0])
}

export function decodeAuthCapsResponse(d: Buffer): AuthCaps {
  need(d, 8, 'Get Channel Authentication Capabilities response')
  return {channel: d[0], ipmi20: (d[1] & 0x80) !== 0 && (d[3] & 0x02) !== 0, authTypes: d[1] & 0x3f, loginStatus: d[2]}
}

/** Get Channel Cipher Suites: list index with bit 7 = "list by cipher suite". */
export function encodeCipherSuitesRequest(index: number): Buffer {
  return Buffer.from([CURRENT_CHANNEL, 0x00, 0x80 | (index & 0x3f)])
}

export interface CipherSuiteRecord {
  id: number
  authAlg: number
  integrityAlg: number
  confAlg: number
}

/** Standard records: 0xc0, suite id, auth (00xxxxxx), integrity (01xxxxxx), conf (10xxxxxx). */
export function encodeCipherSuiteRecords(records: CipherSuiteRecord[]): Buffer {
  return Buffer.concat(records.map((r) => Buffer.from([0xc0, r.id, r.authAlg & 0x3f, 0x40 | r.integrityAlg, 0x80 | r.confAlg])))
}

export function decodeCipherSuiteRecords(d: Buffer): CipherSuiteRecord[] {
  const out: CipherSuiteRecord[] = []
  let i = 0
  while (i < d.length) {
    const start = d[i]
    if (start !== 0xc0 && start !== 0xc1) throw new IpmiDecodeError(`cipher suite record starts with 0x${start.toString(16)}`)
    const id = d[i + 1]
    i += start === 0xc1 ? 5 : 2
    const rec: CipherSuiteRecord = {id, authAlg: 0, integrityAlg: 0, confAlg: 0}
    while (i < d.length && d[i] < 0xc0) {
      const tag = d[i] >> 6
      if (tag === 0) rec.authAlg = d[i] & 0x3f
      else if (tag === 1) rec.integrityAlg = d[i] & 0x3f
      else rec.confAlg = d[i] & 0x3f
      i++
    }
    out.push(rec)
  }
  return out
}

export function encodeCloseSession(bmcSessionId: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(bmcSessionId >>> 0)
  return b
}

export interface DeviceId {
  deviceId: number
  deviceRevision: number
  firmwareMajor: number
  /** Minor firmware revision, decoded from BCD. */
  firmwareMinor: number
  /** e.g. "2.0" */
  ipmiVersion: string
  manufacturerId: number
  productId: number
}

const fromBcd = (b: number) => (b >> 4) * 10 + (b & 0x0f)
const toBcd = (n: number) => ((Math.floor(n / 10) % 10) << 4) | (n % 10)

export function decodeDeviceId(d: Buffer): DeviceId {
  need(d, 11, 'Get Device ID response')
  return {
    deviceId: d[0], deviceRevision: d[1] & 0x0f, firmwareMajor: d[2] & 0x7f, firmwareMinor: fromBcd(d[3]),
    ipmiVersion: `${d[4] & 0x0f}.${d[4] >> 4}`, manufacturerId: d.readUIntLE(6, 3), productId: d.readUInt16LE(9),
  }
}

export function encodeDeviceId(x: DeviceId): Buffer {
  const d = Buffer.alloc(11)
  const [maj, min] = x.ipmiVersion.split('.').map(Number)
  d[0] = x.deviceId
  d[1] = x.deviceRevision & 0x0f
  d[2] = x.firmwareMajor & 0x7f
  d[3] = toBcd(x.firmwareMinor)
  d[4] = ((min & 0x0f) << 4) | (maj & 0x0f)
  d[5] = 0x9f
  d.writeUIntLE(x.manufacturerId, 6, 3)
  d.writeUInt16LE(x.productId, 9)
  return d
}

export interface ChassisStatus {
  powerOn: boolean
  /** Raw "current power state" byte. */
  raw: number
}

export function decodeChassisStatus(d: Buffer): ChassisStatus {
  need(d, 3, 'Get Chassis Status response')
  return {powerOn: (d[0] & 0x01) !== 0, raw: d[0]}
}

export function encodeChassisStatus(powerOn: boolean): Buffer {
  // Power restore policy "always off" (bits 6:5 = 00); no faults; last event and misc zero.
  return Buffer.from([powerOn ? 0x01 : 0x00, 0x00, 0x00])
}

/** Boot option parameters bmpctl touches (§28.13). */
export const BootParam = {SetInProgress: 0, ValidBitClearing: 3, InfoAck: 4, BootFlags: 5} as const
/** Param 3 bit 3: don't clear the valid bit when no Chassis Control arrives within 60 s. */
export const KEEP_FLAGS_PAST_60S = 0x08

export type BootFlagsDevice = 'pxe' | 'disk' | 'cdrom' | 'bios' | 'none'

export interface BootFlags {
  valid: boolean
  persistent: boolean
  efi: boolean
  device: BootFlagsDevice
  /** Device selector bits 5:2 as sent (so unknown selectors are still visible). */
  selector: number
}

const SELECTORS: Record<Exclude<BootFlagsDevice, 'none'>, number> = {pxe: 0x1, disk: 0x2, cdrom: 0x5, bios: 0x6}

function deviceOf(selector: number): BootFlagsDevice {
  if (selector === 0x1) return 'pxe'
  if (selector === 0x2 || selector === 0x3 || selector === 0xb) return 'disk'
  if (selector === 0x5 || selector === 0x8) return 'cdrom'
  if (selector === 0x6) return 'bios'
  return 'none'
}

export function encodeBootFlags(f: Omit<BootFlags, 'selector'>): Buffer {
  const selector = f.device === 'none' ? 0 : SELECTORS[f.device]
  return Buffer.from([(f.valid ? 0x80 : 0) | (f.persistent ? 0x40 : 0) | (f.efi ? 0x20 : 0), selector << 2, 0, 0, 0])
}

export function decodeBootFlags(d: Buffer): BootFlags {
  need(d, 2, 'boot flags parameter')
  const selector = (d[1] >> 2) & 0x0f
  return {valid: (d[0] & 0x80) !== 0, persistent: (d[0] & 0x40) !== 0, efi: (d[0] & 0x20) !== 0, device: deviceOf(selector), selector}
}

export function encodeGetBootOption(param: number): Buffer {
  return Buffer.from([param & 0x7f, 0, 0])
}

/** Get System Boot Options response: version, parameter (bit 7 = invalid/locked), data. */
export function decodeGetBootOptionResponse(d: Buffer): {param: number; data: Buffer} {
  need(d, 2, 'Get System Boot Options response')
  return {param: d[1] & 0x7f, data: Buffer.from(d.subarray(2))}
}

export function encodeGetBootOptionResponse(param: number, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x01, param & 0x7f]), data])
}

export interface ActivatePayloadResponse {
  inboundSize: number
  outboundSize: number
  port: number
  vlan: number
}

/** Activate Payload request for SOL instance 1; aux byte: encrypt (0x80), authenticate (0x40). */
export function encodeActivateSol(encrypt: boolean, authenticate: boolean): Buffer {
  return Buffer.from([0x01, 0x01, (encrypt ? 0x80 : 0) | (authenticate ? 0x40 : 0), 0, 0, 0])
}

export function encodeDeactivateSol(): Buffer {
  return Buffer.from([0x01, 0x01, 0, 0, 0, 0])
}

export function decodeActivatePayloadResponse(d: Buffer): ActivatePayloadResponse {
  need(d, 12, 'Activate Payload response')
  return {inboundSize: d.readUInt16LE(4), outboundSize: d.readUInt16LE(6), port: d.readUInt16LE(8), vlan: d.readUInt16LE(10)}
}

export function encodeActivatePayloadResponse(r: ActivatePayloadResponse): Buffer {
  const d = Buffer.alloc(12)
  d.writeUInt16LE(r.inboundSize, 4)
  d.writeUInt16LE(r.outboundSize, 6)
  d.writeUInt16LE(r.port, 8)
  d.writeUInt16LE(r.vlan, 10)
  return d
}
