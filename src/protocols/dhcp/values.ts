/** Byte ↔ value conversions for each option kind, with strict length checks. */
import type {OptionKind, OptionSpec} from './options.js'

/** Malformed DHCP bytes; `field` names the header field or option that was wrong. */
export class DhcpDecodeError extends Error {
  readonly field: string
  constructor(field: string, message: string) {
    super(`DHCP ${field}: ${message}`)
    this.name = 'DhcpDecodeError'
    this.field = field
  }
}

export function readIp(buf: Buffer, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`
}

export function writeIp(buf: Buffer, off: number, ip: string): void {
  const parts = ip.split('.')
  if (parts.length !== 4) throw new RangeError(`not an IPv4 address: ${ip}`)
  for (let i = 0; i < 4; i++) {
    const n = Number(parts[i])
    if (!Number.isInteger(n) || n < 0 || n > 255 || parts[i] === '') throw new RangeError(`not an IPv4 address: ${ip}`)
    buf[off + i] = n
  }
}

function ipBytes(ip: string): Buffer {
  const b = Buffer.alloc(4)
  writeIp(b, 0, ip)
  return b
}

function checkLength(spec: OptionSpec, data: Buffer): void {
  const fixed: Partial<Record<OptionKind, number>> = {u8: 1, u16: 2, u32: 4, ip: 4}
  const want = spec.length ?? fixed[spec.kind]
  const label = `option ${spec.code}`
  if (want !== undefined && data.length !== want) throw new DhcpDecodeError(label, `length ${data.length}, expected ${want}`)
  if (spec.min !== undefined && data.length < spec.min) throw new DhcpDecodeError(label, `length ${data.length}, at least ${spec.min} expected`)
  if (spec.kind === 'ips' && (data.length === 0 || data.length % 4 !== 0)) throw new DhcpDecodeError(label, `length ${data.length} is not a multiple of 4`)
  if (spec.kind === 'u16list' && data.length % 2 !== 0) throw new DhcpDecodeError(label, `length ${data.length} is not a multiple of 2`)
}

/** Some clients NUL-terminate string options; the NUL is not part of the value. */
function decodeString(data: Buffer): string {
  let end = data.length
  while (end > 0 && data[end - 1] === 0) end--
  return data.toString('latin1', 0, end)
}

export function decodeValue(spec: OptionSpec, data: Buffer): unknown {
  checkLength(spec, data)
  switch (spec.kind) {
    case 'u8': return data[0]
    case 'u16': return data.readUInt16BE(0)
    case 'u32': return data.readUInt32BE(0)
    case 'ip': return readIp(data, 0)
    case 'ips': return Array.from({length: data.length / 4}, (_, i) => readIp(data, i * 4))
    case 'string': return decodeString(data)
    case 'bytes': return Buffer.from(data)
    case 'u8list': return [...data]
    case 'u16list': return Array.from({length: data.length / 2}, (_, i) => data.readUInt16BE(i * 2))
    case 'suboptions': return decodeSubOptions(data, `option ${spec.code}`)
  }
}

export function encodeValue(spec: OptionSpec, value: unknown): Buffer {
  const v = value as never
  switch (spec.kind) {
    case 'u8': return Buffer.from([v])
    case 'u16': { const b = Buffer.alloc(2); b.writeUInt16BE(v); return b }
    case 'u32': { const b = Buffer.alloc(4); b.writeUInt32BE(v); return b }
    case 'ip': return ipBytes(v)
    case 'ips': return Buffer.concat((v as string[]).map(ipBytes))
    case 'string': return Buffer.from(v as string, 'latin1')
    case 'bytes': return v as Buffer
    case 'u8list': return Buffer.from(v as number[])
    case 'u16list': {
      const list = v as number[]
      const b = Buffer.alloc(list.length * 2)
      list.forEach((n, i) => b.writeUInt16BE(n, i * 2))
      return b
    }
    case 'suboptions': return encodeSubOptions(v)
  }
}

/** Encapsulated TLV sub-options (option 43 for PXE, 175 for iPXE); pad 0, end 255. */
export function decodeSubOptions(data: Buffer, label = 'sub-options'): Map<number, Buffer> {
  const out = new Map<number, Buffer>()
  let i = 0
  while (i < data.length) {
    const code = data[i]
    if (code === 0) { i++; continue }
    if (code === 255) break
    if (i + 1 >= data.length) throw new DhcpDecodeError(label, `sub-option ${code} has no length byte`)
    const len = data[i + 1]
    if (i + 2 + len > data.length) throw new DhcpDecodeError(label, `sub-option ${code} length ${len} runs past the end`)
    const value = data.subarray(i + 2, i + 2 + len)
    const prev = out.get(code)
    out.set(code, prev ? Buffer.concat([prev, value]) : Buffer.from(value))
    i += 2 + len
  }
  return out
}

export function encodeSubOptions(subs: Map<number, Buffer>, withEnd = false): Buffer {
  const parts: Buffer[] = []
  for (const [code, value] of subs) {
    if (value.length > 255) throw new RangeError(`sub-option ${code} longer than 255 bytes`)
    parts.push(Buffer.from([code, value.length]), value)
  }
  if (withEnd) parts.push(Buffer.from([255]))
  return Buffer.concat(parts)
}
