import {BmcError, BmcErrorKind, type BmcInfo, type BootDevice, type BootDeviceSetting, type PowerState} from './types.js'

/**
 * Parsing of ipmitool's human-oriented output. Defensive: versions and BMCs vary in
 * spacing and wording, so we match loosely and fail with the raw text when unsure.
 */

/** Boot device selector (data2 of boot option parameter 5) per IPMI 2.0 table 28-14. */
export const BOOT_DEVICE_CODE: Record<BootDevice, number> = {none: 0x00, pxe: 0x04, disk: 0x08, cdrom: 0x14, bios: 0x18}
const DEVICE_BY_SELECTOR = new Map<number, BootDevice>(
  Object.entries(BOOT_DEVICE_CODE).map(([dev, code]) => [(code >> 2) & 0x0f, dev as BootDevice]),
)

export const BOOT_FLAG_VALID = 0x80
export const BOOT_FLAG_PERSISTENT = 0x40
export const BOOT_FLAG_EFI = 0x20

/** Data bytes 1–2 of Set System Boot Options parameter 5 for a setting. */
export function bootFlagBytes(s: BootDeviceSetting): [number, number] {
  if (s.device === 'none') return [0x00, 0x00]
  const flags = BOOT_FLAG_VALID | (s.persistent ? BOOT_FLAG_PERSISTENT : 0) | (s.uefi ? BOOT_FLAG_EFI : 0)
  return [flags, BOOT_DEVICE_CODE[s.device]]
}

export function hex(n: number): string {
  return '0x' + n.toString(16).padStart(2, '0')
}

/** `ipmitool raw` prints hex bytes separated by spaces and newlines. */
export function parseRawBytes(stdout: string): number[] {
  const tokens = stdout.trim().split(/\s+/).filter(Boolean)
  const bytes = tokens.map((t) => (/^(0x)?[0-9a-f]{1,2}$/i.test(t) ? parseInt(t.replace(/^0x/i, ''), 16) : NaN))
  if (!tokens.length || bytes.some(Number.isNaN)) {
    throw new BmcError(BmcErrorKind.Protocol, `unexpected ipmitool raw output: ${JSON.stringify(stdout.slice(0, 200))}`, 'ipmitool')
  }
  return bytes
}

/**
 * Get System Boot Options (param 5) response: version, param selector, data1..data5.
 * Without the valid bit the override is inactive whatever the selector still says.
 */
export function parseBootOptions(bytes: number[]): BootDeviceSetting {
  if (bytes.length < 4 || (bytes[1] & 0x7f) !== 0x05) {
    throw new BmcError(BmcErrorKind.Protocol, `unexpected boot options response: ${bytes.map(hex).join(' ')}`, 'ipmitool')
  }
  const [data1, data2] = [bytes[2], bytes[3]]
  const uefi = (data1 & BOOT_FLAG_EFI) !== 0
  if (!(data1 & BOOT_FLAG_VALID)) return {device: 'none', persistent: false, uefi}
  const device = DEVICE_BY_SELECTOR.get((data2 >> 2) & 0x0f) ?? 'none'
  return {device, persistent: (data1 & BOOT_FLAG_PERSISTENT) !== 0, uefi}
}

/** "Chassis Power is on" → 'on'. */
export function parsePowerStatus(stdout: string): PowerState {
  const m = /power\s+is\s+(on|off)\b/i.exec(stdout)
  if (!m) throw new BmcError(BmcErrorKind.Protocol, `cannot read power state from ipmitool output: ${JSON.stringify(stdout.trim().slice(0, 200))}`, 'ipmitool')
  return m[1].toLowerCase() as PowerState
}

/** `Key : value` lines (mc info, session info) into a lower-cased key map. */
export function parseKeyValues(stdout: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of stdout.split('\n')) {
    const m = /^\s*([^:]+?)\s*:\s*(.*?)\s*$/.exec(line)
    if (m && m[2] !== '' && !out.has(m[1].toLowerCase())) out.set(m[1].toLowerCase(), m[2])
  }
  return out
}

export function parseMcInfo(stdout: string): BmcInfo {
  const kv = parseKeyValues(stdout)
  const version = kv.get('ipmi version')
  if (!version && !kv.get('firmware revision')) {
    throw new BmcError(BmcErrorKind.Protocol, 'cannot parse ipmitool mc info output', 'ipmitool')
  }
  const info: BmcInfo = {protocol: `IPMI ${version ?? '?'}`}
  const set = (k: keyof BmcInfo & string, v: string | undefined) => { if (v) info[k] = v }
  set('manufacturer', kv.get('manufacturer name') ?? kv.get('manufacturer id'))
  set('product', kv.get('product name') ?? kv.get('product id'))
  set('firmware', kv.get('firmware revision'))
  set('manufacturerId', kv.get('manufacturer id'))
  set('productId', kv.get('product id'))
  return info
}

/** "privilege level : ADMINISTRATOR" from `session info active` → 'administrator'. */
export function parseSessionPrivilege(stdout: string): string | undefined {
  return parseKeyValues(stdout).get('privilege level')?.toLowerCase()
}

const AUTH_HINT = 'check the username and password; if they are right, the BMC may need another cipher suite (cipher_suite: 3) or the user lacks IPMI-over-LAN access'

/** Maps ipmitool's failure text to a BmcError kind (ordered: most specific first). */
const ERROR_PATTERNS: [RegExp, BmcErrorKind, string?][] = [
  [/RAKP 2 HMAC is invalid|unauthorized name|invalid (user ?name|password)|Activate Session error|Authentication type .* not supported/i, BmcErrorKind.Auth, AUTH_HINT],
  [/insufficient privilege|Set Session Privilege Level to \w+ failed|Requested privilege level exceeds/i, BmcErrorKind.Privilege, 'the user needs operator or administrator privilege on the LAN channel'],
  [/insufficient resources for session|Node busy|BMC initialization in progress|Out of space|temporarily unavailable/i, BmcErrorKind.Busy],
  [/No response from remote controller|Get Auth Capabilities error|Timeout|timed out|Unable to (send|receive) /i, BmcErrorKind.Timeout],
  [/Invalid command|not supported|Invalid data field|Command not supported in present state|Parameter not supported/i, BmcErrorKind.Unsupported],
  [/Unable to establish IPMI v2 \/ RMCP\+ session|Unable to establish LAN session/i, BmcErrorKind.Auth, `${AUTH_HINT}; or the BMC address/port is wrong`],
]

/** Lines `-v` adds on every run (registry load, vendor probe) that say nothing about the failure. */
function meaningfulLines(text: string): string[] {
  const out: string[] = []
  let afterProbe = false
  for (const raw of text.split('\n')) {
    const l = raw.trim()
    const noise = !l || /^Loading IANA PEN Registry|^Running Get VSO|^Discovered IPMB address/i.test(l)
    const probeAnswer = afterProbe && /^Invalid completion code received/i.test(l)
    afterProbe = /^Running Get VSO/i.test(l)
    if (!noise && !probeAnswer) out.push(l)
  }
  return out
}

/** The BmcError for a failed ipmitool run; the message keeps the last meaningful lines. */
export function classifyFailure(stderr: string, stdout: string, what: string): BmcError {
  const lines = meaningfulLines(`${stderr}\n${stdout}`)
  const text = lines.join('\n')
  const summary = lines.slice(-3).join('; ') || 'no output'
  for (const [re, kind, hint] of ERROR_PATTERNS) {
    if (re.test(text)) return new BmcError(kind, `ipmitool ${what}: ${summary}${hint ? ` (hint: ${hint})` : ''}`, 'ipmitool')
  }
  return new BmcError(BmcErrorKind.Protocol, `ipmitool ${what}: ${summary}`, 'ipmitool')
}
