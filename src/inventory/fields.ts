/**
 * Field readers shared by the YAML, Bifrost and CSV loaders: each checks one value,
 * reports a problem at its position when malformed and returns the clean value.
 */
import type {SourcePos} from '../errors.js'
import {BMC_DRIVERS, type BmcDriver} from './model.js'
import {isIpv4, netmaskToPrefix, normalizeMac, parseCidr} from '../util/net.js'
import type {Problems} from './positions.js'
import {didYouMean} from './suggest.js'

/** Where a value was written. */
export interface Ref {
  path: string
  pos?: SourcePos
}

const HOSTNAME_RE = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const typeName = (v: unknown) => (Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'a mapping' : `a ${typeof v}`)

/** A string; numbers and booleans are accepted as text unless `strict` (values YAML may mangle). */
export function readString(p: Problems, ref: Ref, raw: unknown, strict = false): string | undefined {
  if (raw === undefined || raw === null) return undefined
  if (typeof raw === 'string') return raw
  if (!strict && (typeof raw === 'number' || typeof raw === 'boolean')) return String(raw)
  if (typeof raw === 'number' || typeof raw === 'boolean') {
    p.add(ref.path, ref.pos, `must be a string, but it parsed as ${typeName(raw)}`, 'quote the value')
  } else p.add(ref.path, ref.pos, `must be a string, not ${typeName(raw)}`)
  return undefined
}

export function readMac(p: Problems, ref: Ref, raw: unknown): string | undefined {
  if (typeof raw === 'number') {
    p.add(ref.path, ref.pos, `MAC address parsed as the number ${raw}`, 'quote the MAC, e.g. "52:54:00:12:34:56" (YAML 1.1 reads unquoted MACs as base-60 numbers)')
    return undefined
  }
  const s = readString(p, ref, raw, true)
  if (s === undefined) {
    if (raw === undefined || raw === null) p.add(ref.path, ref.pos, 'MAC address is missing', 'write it as 52:54:00:12:34:56')
    return undefined
  }
  const mac = normalizeMac(s)
  if (!mac) p.add(ref.path, ref.pos, `malformed MAC address "${s}"`, 'write six hex pairs such as 52:54:00:12:34:56')
  return mac
}

export function readIpv4(p: Problems, ref: Ref, raw: unknown): string | undefined {
  const s = readString(p, ref, raw, true)
  if (s === undefined) return undefined
  if (!isIpv4(s.trim())) {
    p.add(ref.path, ref.pos, `malformed IPv4 address "${s}"`, 'write a dotted quad such as 192.0.2.10')
    return undefined
  }
  return s.trim()
}

/** `a.b.c.d/nn`; when `netmask` is given, a bare address is combined with it. */
export function readCidr(p: Problems, ref: Ref, raw: unknown, netmask?: {value: string; ref: Ref}): string | undefined {
  const s = readString(p, ref, raw, true)?.trim()
  if (s === undefined) return undefined
  if (!s.includes('/')) {
    if (!isIpv4(s)) {
      p.add(ref.path, ref.pos, `malformed IPv4 address "${s}"`, 'write it as 192.0.2.10/24')
      return undefined
    }
    if (!netmask) {
      p.add(ref.path, ref.pos, `address "${s}" has no prefix length`, `write it in CIDR form, e.g. ${s}/24`)
      return undefined
    }
    const prefix = readNetmask(p, netmask.ref, netmask.value)
    return prefix === undefined ? undefined : `${s}/${prefix}`
  }
  const cidr = parseCidr(s)
  if (!cidr) {
    p.add(ref.path, ref.pos, `malformed CIDR "${s}"`, 'write it as 192.0.2.10/24 (prefix 0-32)')
    return undefined
  }
  if (netmask) {
    const prefix = readNetmask(p, netmask.ref, netmask.value)
    if (prefix !== undefined && prefix !== cidr.prefix) {
      p.add(netmask.ref.path, netmask.ref.pos, `netmask ${netmask.value} contradicts the prefix /${cidr.prefix} of ${s}`, 'give either a CIDR or a netmask, not both')
    }
  }
  return s
}

/** Dotted netmask (255.255.255.0) or a prefix length (24 or /24) → prefix length. */
export function readNetmask(p: Problems, ref: Ref, raw: unknown): number | undefined {
  const s = readString(p, ref, raw)?.trim()
  if (s === undefined) return undefined
  const m = /^\/?(\d{1,2})$/.exec(s)
  const prefix = m ? Number(m[1]) : netmaskToPrefix(s)
  if (prefix === undefined || prefix > 32) {
    p.add(ref.path, ref.pos, `malformed netmask "${s}"`, 'write a contiguous mask such as 255.255.255.0 or a prefix length such as 24')
    return undefined
  }
  return prefix
}

export function readPort(p: Problems, ref: Ref, raw: unknown): number | undefined {
  return readInt(p, ref, raw, 1, 65535, 'port')
}

export function readInt(p: Problems, ref: Ref, raw: unknown, min: number, max: number, what = 'number'): number | undefined {
  if (raw === undefined || raw === null) return undefined
  const n = typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    p.add(ref.path, ref.pos, `malformed ${what} ${JSON.stringify(raw)}`, `use a whole number from ${min} to ${max}`)
    return undefined
  }
  return n
}

/** Booleans; the strings true/false/yes/no (Bifrost, CSV) are accepted too. */
export function readBool(p: Problems, ref: Ref, raw: unknown): boolean | undefined {
  if (raw === undefined || raw === null || typeof raw === 'boolean') return raw ?? undefined
  const s = typeof raw === 'string' ? raw.trim().toLowerCase() : ''
  if (['true', 'yes', '1'].includes(s)) return true
  if (['false', 'no', '0'].includes(s)) return false
  p.add(ref.path, ref.pos, `must be true or false, not ${JSON.stringify(raw)}`)
  return undefined
}

export function readDriver(p: Problems, ref: Ref, raw: unknown, aliases: Record<string, BmcDriver> = {}): BmcDriver | undefined {
  const s = readString(p, ref, raw, true)
  if (s === undefined) return undefined
  const d = s.trim().toLowerCase()
  if ((BMC_DRIVERS as readonly string[]).includes(d)) return d as BmcDriver
  if (aliases[d]) return aliases[d]
  const hint = ['idrac', 'ilo', 'ilo5', 'irmc', 'idrac-redfish'].includes(d)
    ? 'this BMC speaks Redfish: use driver "redfish"'
    : didYouMean(d, [...BMC_DRIVERS, ...Object.keys(aliases)])
  p.add(ref.path, ref.pos, `unknown BMC driver "${s}"`, hint)
  return undefined
}

/** A BMC or host address: IPv4 or a DNS name. */
export function readHostAddress(p: Problems, ref: Ref, raw: unknown): string | undefined {
  const s = readString(p, ref, raw, true)?.trim()
  if (s === undefined) return undefined
  if (isIpv4(s)) return s
  if (/^[\d.]+$/.test(s) || !HOSTNAME_RE.test(s)) {
    p.add(ref.path, ref.pos, `malformed address "${s}"`, 'write an IPv4 address such as 192.0.2.100 or a DNS name')
    return undefined
  }
  return s
}

export function readHostname(p: Problems, ref: Ref, raw: unknown): string | undefined {
  const s = readString(p, ref, raw)?.trim()
  if (s === undefined) return undefined
  if (!HOSTNAME_RE.test(s)) {
    p.add(ref.path, ref.pos, `malformed hostname "${s}"`, 'use letters, digits, hyphens and dots (RFC 1123)')
    return undefined
  }
  return s
}

export function readUuid(p: Problems, ref: Ref, raw: unknown): string | undefined {
  const s = readString(p, ref, raw, true)?.trim()
  if (s === undefined) return undefined
  if (!UUID_RE.test(s)) {
    p.add(ref.path, ref.pos, `malformed UUID "${s}"`, 'write it as 8-4-4-4-12 hex digits')
    return undefined
  }
  return s.toLowerCase()
}

/** A BMC URL such as https://192.0.2.5:8443 → scheme, address, port. */
export function readBmcUrl(p: Problems, ref: Ref, raw: unknown): {scheme?: 'http' | 'https'; address?: string; port?: number} {
  const s = readString(p, ref, raw, true)?.trim()
  if (s === undefined) return {}
  if (!s.includes('://')) return {address: readHostAddress(p, ref, s)}
  let url: URL
  try {
    url = new URL(s)
  } catch {
    p.add(ref.path, ref.pos, `malformed URL "${s}"`, 'write it as https://192.0.2.100 or https://bmc.example.com:8443')
    return {}
  }
  const scheme = url.protocol.replace(':', '')
  if (scheme !== 'http' && scheme !== 'https') {
    p.add(ref.path, ref.pos, `unsupported URL scheme "${scheme}"`, 'use http:// or https://')
    return {}
  }
  return {scheme, address: readHostAddress(p, ref, url.hostname), port: url.port ? Number(url.port) : undefined}
}

/** A list of IPv4 addresses; a single string (Bifrost's ipv4_nameserver) is accepted. */
export function readIpv4List(p: Problems, ref: Ref, raw: unknown, itemRefs?: Ref[]): string[] {
  if (raw === undefined || raw === null) return []
  const list = Array.isArray(raw) ? raw : [raw]
  const out: string[] = []
  list.forEach((v, i) => {
    const ip = readIpv4(p, itemRefs?.[i] ?? {path: Array.isArray(raw) ? `${ref.path}[${i}]` : ref.path, pos: ref.pos}, v)
    if (ip) out.push(ip)
  })
  return out
}
