/**
 * BOOTP/DHCP packet codec (RFC 951, 2131, 2132, 3396). Hand-written because no npm
 * package decodes PXE options, relay replies and overload safely. Pure: bytes ↔ objects.
 */
import {Opt, OPTION_SPECS, SPEC_BY_CODE, type DhcpOptions} from './options.js'
import {DhcpDecodeError, decodeValue, encodeValue, readIp, writeIp} from './values.js'

export const BOOTREQUEST = 1
export const BOOTREPLY = 2
export const MAGIC_COOKIE = 0x63825363
export const HEADER_LENGTH = 236
/** BOOTP-era relays and ROMs drop shorter packets (RFC 951 vend field of 64 bytes). */
export const MIN_PACKET_LENGTH = 300
/** The broadcast bit of `flags` (RFC 2131 §2). */
export const BROADCAST_FLAG = 0x8000

export interface DhcpPacket {
  op: number
  htype: number
  hlen: number
  hops: number
  xid: number
  secs: number
  flags: number
  ciaddr: string
  yiaddr: string
  siaddr: string
  giaddr: string
  /** Client hardware address, `hlen` bytes. */
  chaddr: Buffer
  sname: string
  file: string
  options: DhcpOptions
}

const SNAME = {offset: 44, length: 64}
const FILE = {offset: 108, length: 128}

function readCString(buf: Buffer, off: number, len: number): string {
  const end = buf.indexOf(0, off)
  return buf.toString('latin1', off, end === -1 || end > off + len ? off + len : end)
}

/** Walks one TLV area, appending values per code (split options are joined, RFC 3396). */
function scanOptions(buf: Buffer, start: number, end: number, area: string, into: Map<number, Buffer[]>): void {
  let i = start
  while (i < end) {
    const code = buf[i]
    if (code === Opt.Pad) { i++; continue }
    if (code === Opt.End) return
    if (i + 1 >= end) throw new DhcpDecodeError(`option ${code}`, `no length byte in ${area}`)
    const len = buf[i + 1]
    if (i + 2 + len > end) throw new DhcpDecodeError(`option ${code}`, `length ${len} runs past the end of ${area}`)
    const list = into.get(code)
    const value = buf.subarray(i + 2, i + 2 + len)
    if (list) list.push(value)
    else into.set(code, [value])
    i += 2 + len
  }
}

function decodeOptions(raw: Map<number, Buffer[]>): DhcpOptions {
  const options: Record<string, unknown> = {}
  let unknown: Map<number, Buffer> | undefined
  for (const [code, parts] of raw) {
    const data = parts.length === 1 ? parts[0] : Buffer.concat(parts)
    const spec = SPEC_BY_CODE.get(code)
    if (spec) options[spec.name] = decodeValue(spec, data)
    else if (code !== Opt.Overload) (unknown ??= new Map()).set(code, Buffer.from(data))
  }
  if (unknown) options.unknown = unknown
  return options as DhcpOptions
}

/** Decodes one datagram. Throws DhcpDecodeError (and nothing else) on malformed input. */
export function decodeDhcp(buf: Buffer): DhcpPacket {
  if (buf.length < HEADER_LENGTH) throw new DhcpDecodeError('header', `packet is ${buf.length} bytes, at least ${HEADER_LENGTH} expected`)
  const op = buf[0]
  if (op !== BOOTREQUEST && op !== BOOTREPLY) throw new DhcpDecodeError('op', `unknown op ${op}`)
  const hlen = buf[2]
  if (hlen > 16) throw new DhcpDecodeError('hlen', `hardware address length ${hlen} exceeds 16`)
  const raw = new Map<number, Buffer[]>()
  let overload = 0
  if (buf.length >= HEADER_LENGTH + 4 && buf.readUInt32BE(HEADER_LENGTH) === MAGIC_COOKIE) {
    scanOptions(buf, HEADER_LENGTH + 4, buf.length, 'options', raw)
    const ov = raw.get(Opt.Overload)
    if (ov) {
      if (ov.length !== 1 || ov[0].length !== 1 || ov[0][0] < 1 || ov[0][0] > 3) throw new DhcpDecodeError('option 52', 'overload must be one byte 1, 2 or 3')
      overload = ov[0][0]
    }
    // RFC 2131 §4.1: options field first, then file, then sname.
    if (overload & 1) scanOptions(buf, FILE.offset, FILE.offset + FILE.length, 'file', raw)
    if (overload & 2) scanOptions(buf, SNAME.offset, SNAME.offset + SNAME.length, 'sname', raw)
  }
  return {
    op,
    htype: buf[1],
    hlen,
    hops: buf[3],
    xid: buf.readUInt32BE(4),
    secs: buf.readUInt16BE(8),
    flags: buf.readUInt16BE(10),
    ciaddr: readIp(buf, 12),
    yiaddr: readIp(buf, 16),
    siaddr: readIp(buf, 20),
    giaddr: readIp(buf, 24),
    chaddr: Buffer.from(buf.subarray(28, 28 + hlen)),
    sname: overload & 2 ? '' : readCString(buf, SNAME.offset, SNAME.length),
    file: overload & 1 ? '' : readCString(buf, FILE.offset, FILE.length),
    options: decodeOptions(raw),
  }
}

type Encoded = [code: number, data: Buffer]

/** Bytes an option takes once split into ≤ 255-byte pieces (RFC 3396). */
function encodedSize(data: Buffer): number {
  return data.length + 2 * Math.max(1, Math.ceil(data.length / 255))
}

function writeOption(buf: Buffer, off: number, code: number, data: Buffer): number {
  if (data.length === 0) { buf[off] = code; buf[off + 1] = 0; return off + 2 }
  for (let i = 0; i < data.length; i += 255) {
    const len = Math.min(255, data.length - i)
    buf[off] = code
    buf[off + 1] = len
    data.copy(buf, off + 2, i, i + len)
    off += 2 + len
  }
  return off
}

const RELAY_SPEC = SPEC_BY_CODE.get(Opt.RelayAgentInfo)!

function encodeOptions(options: DhcpOptions): Encoded[] {
  const out: Encoded[] = []
  const values = options as Record<string, unknown>
  for (const spec of OPTION_SPECS) {
    if (spec === RELAY_SPEC) continue
    const v = values[spec.name]
    if (v !== undefined) out.push([spec.code, encodeValue(spec, v)])
  }
  for (const [code, data] of options.unknown ?? []) out.push([code, data])
  if (options.relayAgentInfo) out.push([RELAY_SPEC.code, options.relayAgentInfo])
  return out
}

function writeCString(buf: Buffer, off: number, len: number, s: string, field: string): void {
  const bytes = Buffer.from(s, 'latin1')
  if (bytes.length > len) throw new RangeError(`${field} is ${bytes.length} bytes, at most ${len} fit`)
  bytes.copy(buf, off)
}

/** Encodes a packet; throws RangeError when a field cannot be represented. */
export function encodeDhcp(p: DhcpPacket): Buffer {
  const options = encodeOptions(p.options)
  const optLength = options.reduce((n, [, data]) => n + encodedSize(data), 0)
  const size = Math.max(MIN_PACKET_LENGTH, HEADER_LENGTH + 4 + optLength + 1)
  const buf = Buffer.alloc(size)
  buf[0] = p.op
  buf[1] = p.htype
  if (p.chaddr.length > 16) throw new RangeError('chaddr longer than 16 bytes')
  buf[2] = p.hlen
  buf[3] = p.hops
  buf.writeUInt32BE(p.xid >>> 0, 4)
  buf.writeUInt16BE(p.secs, 8)
  buf.writeUInt16BE(p.flags, 10)
  writeIp(buf, 12, p.ciaddr)
  writeIp(buf, 16, p.yiaddr)
  writeIp(buf, 20, p.siaddr)
  writeIp(buf, 24, p.giaddr)
  p.chaddr.copy(buf, 28)
  writeCString(buf, SNAME.offset, SNAME.length, p.sname, 'sname')
  writeCString(buf, FILE.offset, FILE.length, p.file, 'file')
  buf.writeUInt32BE(MAGIC_COOKIE, HEADER_LENGTH)
  let off = HEADER_LENGTH + 4
  for (const [code, data] of options) off = writeOption(buf, off, code, data)
  buf[off] = Opt.End
  return buf
}
