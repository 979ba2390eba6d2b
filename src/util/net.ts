/** IPv4 and MAC helpers shared by the inventory, DHCP and lab code. */

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

export function isIpv4(s: string): boolean {
  return IPV4_RE.test(s)
}

/** Dotted quad → unsigned 32-bit integer. Throws on malformed input. */
export function ipToInt(ip: string): number {
  if (!isIpv4(ip)) throw new Error(`not an IPv4 address: ${JSON.stringify(ip)}`)
  return ip.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0)
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}

export interface Cidr {
  address: string
  prefix: number
  netmask: string
  network: string
  broadcast: string
}

/** Parses `a.b.c.d/nn`; returns undefined when malformed. */
export function parseCidr(s: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s)
  if (!m || !isIpv4(m[1])) return undefined
  const prefix = Number(m[2])
  if (prefix > 32) return undefined
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
  const addr = ipToInt(m[1])
  return {
    address: m[1],
    prefix,
    netmask: intToIp(mask),
    network: intToIp((addr & mask) >>> 0),
    broadcast: intToIp((addr | ~mask) >>> 0),
  }
}

/** Netmask (255.255.255.0) → prefix length, or undefined when not contiguous. */
export function netmaskToPrefix(mask: string): number | undefined {
  if (!isIpv4(mask)) return undefined
  const n = ipToInt(mask)
  const prefix = 32 - Math.log2((~n >>> 0) + 1)
  return Number.isInteger(prefix) ? prefix : undefined
}

export function inSubnet(ip: string, cidr: Cidr): boolean {
  const mask = ipToInt(cidr.netmask)
  return ((ipToInt(ip) & mask) >>> 0) === ipToInt(cidr.network)
}

/**
 * Normalises a MAC to lower-case colon form; accepts `-`, `:`, `.` (Cisco) separators or
 * none. Returns undefined when it is not a 48-bit MAC.
 */
export function normalizeMac(s: string): string | undefined {
  const hex = s.trim().toLowerCase().replace(/[-:.]/g, '')
  if (!/^[0-9a-f]{12}$/.test(hex)) return undefined
  if (/[-:.]/.test(s) && !/^([0-9a-f]{2}[-:]){5}[0-9a-f]{2}$|^([0-9a-f]{4}\.){2}[0-9a-f]{4}$/i.test(s.trim())) return undefined
  return hex.match(/../g)!.join(':')
}

export function macToBuffer(mac: string): Buffer {
  return Buffer.from(mac.replace(/:/g, ''), 'hex')
}

export function bufferToMac(buf: Buffer): string {
  return [...buf.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(':')
}
