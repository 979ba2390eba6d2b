/**
 * IPMI v2.0 numbers used by the client and the virtual BMC (IPMI 2.0 spec rev 1.1,
 * tables 13-16/13-17/22-19). Hand-written: no IPMI/RMCP+ library exists on npm.
 */

/** Network functions (requests; a response uses netFn + 1). */
export const NetFn = {
  Chassis: 0x00,
  App: 0x06,
  Transport: 0x0c,
} as const

export const Cmd = {
  GetDeviceId: 0x01,
  ChassisStatus: 0x01,
  ChassisControl: 0x02,
  SetBootOptions: 0x08,
  GetBootOptions: 0x09,
  GetChannelAuthCaps: 0x38,
  SetSessionPrivilege: 0x3b,
  CloseSession: 0x3c,
  GetChannelAccess: 0x41,
  GetChannelInfo: 0x42,
  GetUserAccess: 0x44,
  ActivatePayload: 0x48,
  DeactivatePayload: 0x49,
  GetChannelCipherSuites: 0x54,
  GetSolConfig: 0x22,
} as const

/** RMCP+ payload types (low 6 bits of the payload type byte). */
export const PayloadType = {
  Ipmi: 0x00,
  Sol: 0x01,
  OpenSessionRequest: 0x10,
  OpenSessionResponse: 0x11,
  Rakp1: 0x12,
  Rakp2: 0x13,
  Rakp3: 0x14,
  Rakp4: 0x15,
} as const

export const Privilege = {
  Callback: 1,
  User: 2,
  Operator: 3,
  Administrator: 4,
} as const
export type PrivilegeName = 'callback' | 'user' | 'operator' | 'administrator'

export function privilegeName(level: number): PrivilegeName | `level-${number}` {
  const names: Record<number, PrivilegeName> = {1: 'callback', 2: 'user', 3: 'operator', 4: 'administrator'}
  return names[level & 0x0f] ?? `level-${level & 0x0f}`
}

export function privilegeLevel(name: PrivilegeName): number {
  return {callback: 1, user: 2, operator: 3, administrator: 4}[name]
}

/** Chassis Control (00/02) data byte. */
export const ChassisAction = {
  PowerDown: 0,
  PowerUp: 1,
  PowerCycle: 2,
  HardReset: 3,
  SoftShutdown: 5,
} as const

/** RMCP+ status codes carried in Open Session Response and RAKP 2/4 (table 13-15). */
export const RMCP_STATUS: Record<number, string> = {
  0x00: 'no errors',
  0x01: 'insufficient resources to create a session',
  0x02: 'invalid session ID',
  0x03: 'invalid payload type',
  0x04: 'invalid authentication algorithm',
  0x05: 'invalid integrity algorithm',
  0x06: 'no matching authentication payload',
  0x07: 'no matching integrity payload',
  0x08: 'inactive session ID',
  0x09: 'invalid role',
  0x0a: 'unauthorized role or privilege level requested',
  0x0b: 'insufficient resources to create a session at the requested role',
  0x0c: 'invalid name length',
  0x0d: 'unauthorized name',
  0x0e: 'unauthorized GUID',
  0x0f: 'invalid integrity check value',
  0x10: 'invalid confidentiality algorithm',
  0x11: 'no cipher suite match with proposed security algorithms',
  0x12: 'illegal or unrecognized parameter',
}

export function rmcpStatusName(code: number): string {
  return RMCP_STATUS[code] ?? `unknown status 0x${code.toString(16).padStart(2, '0')}`
}

/** Errors a codec raises on malformed bytes; the client turns them into BmcError. */
export class IpmiDecodeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'IpmiDecodeError'
  }
}

export function need(buf: Buffer, len: number, what: string): void {
  if (buf.length < len) throw new IpmiDecodeError(`${what}: ${buf.length} bytes, need ${len}`)
}
