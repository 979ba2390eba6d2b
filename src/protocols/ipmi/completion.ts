/** IPMI completion codes (IPMI 2.0 table 5-2) with names, and which ones are worth a retry. */
export const COMPLETION_CODES: Record<number, string> = {
  0x00: 'command completed normally',
  0xc0: 'node busy',
  0xc1: 'invalid command',
  0xc2: 'command invalid for given LUN',
  0xc3: 'timeout while processing command',
  0xc4: 'out of space',
  0xc5: 'reservation cancelled or invalid reservation ID',
  0xc6: 'request data truncated',
  0xc7: 'request data length invalid',
  0xc8: 'request data field length limit exceeded',
  0xc9: 'parameter out of range',
  0xca: 'cannot return number of requested data bytes',
  0xcb: 'requested sensor, data, or record not present',
  0xcc: 'invalid data field in request',
  0xcd: 'command illegal for specified sensor or record type',
  0xce: 'command response could not be provided',
  0xcf: 'cannot execute duplicated request',
  0xd0: 'SDR repository in update mode',
  0xd1: 'device in firmware update mode',
  0xd2: 'BMC initialization or initialization agent in progress',
  0xd3: 'destination unavailable',
  0xd4: 'insufficient privilege level',
  0xd5: 'command not supported in present state',
  0xd6: 'command sub-function disabled or unavailable',
  0xff: 'unspecified error',
}

export const CC_OK = 0x00
export const CC_INVALID_COMMAND = 0xc1
export const CC_INVALID_DATA = 0xcc
export const CC_INSUFFICIENT_PRIVILEGE = 0xd4
export const CC_PARAM_NOT_SUPPORTED = 0x80

/** Transient conditions (as Ironic treats them): node busy, timeout, no resources, BMC init. */
export const RETRYABLE_CODES: ReadonlySet<number> = new Set([0xc0, 0xc3, 0xce, 0xd2])

export function completionName(code: number): string {
  const name = COMPLETION_CODES[code]
  const hex = `0x${code.toString(16).padStart(2, '0')}`
  return name ? `${name} (${hex})` : `completion code ${hex}`
}
