/**
 * TFTP packet codec (RFC 1350, RFC 2347 OACK): bytes ↔ objects, no sockets.
 * Hand-written because the npm TFTP packages are unmaintained and lack RFC 7440.
 */

export const Opcode = {RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6} as const

/** Error codes from RFC 1350 §5 and RFC 2347 (8). */
export const TftpErrorCode = {
  NotDefined: 0,
  FileNotFound: 1,
  AccessViolation: 2,
  DiskFull: 3,
  IllegalOperation: 4,
  UnknownTid: 5,
  FileExists: 6,
  NoSuchUser: 7,
  OptionNegotiation: 8,
} as const

/** Option names are case-insensitive (RFC 2347): decoded names are lower-cased. */
export type TftpOptions = Record<string, string>

export interface RequestPacket {
  op: 'rrq' | 'wrq'
  filename: string
  /** Lower-cased transfer mode as sent (`octet`, `netascii`, `mail`, or anything else). */
  mode: string
  options: TftpOptions
}
export interface DataPacket { op: 'data'; block: number; data: Buffer }
export interface AckPacket { op: 'ack'; block: number }
export interface ErrorPacket { op: 'error'; code: number; message: string }
export interface OackPacket { op: 'oack'; options: TftpOptions }
export type TftpPacket = RequestPacket | DataPacket | AckPacket | ErrorPacket | OackPacket

/** The only error `decodePacket` throws: the datagram is not a well-formed TFTP packet. */
export class TftpDecodeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TftpDecodeError'
  }
}

/** Splits NUL-terminated strings; trailing NUL padding is tolerated, an unterminated tail is not. */
function cstrings(buf: Buffer, start: number, what: string): string[] {
  const out: string[] = []
  let pos = start
  while (pos < buf.length) {
    const end = buf.indexOf(0, pos)
    if (end < 0) throw new TftpDecodeError(`${what}: unterminated string at byte ${pos}`)
    out.push(buf.toString('utf8', pos, end))
    pos = end + 1
  }
  return out
}

function pairsToOptions(strs: string[], what: string): TftpOptions {
  strs = strs.slice()
  // Trailing NUL padding shows up as empty strings; an empty option value is kept.
  while (strs.length && strs[strs.length - 1] === '' && (strs.length % 2 === 1 || strs[strs.length - 2] === '')) strs.pop()
  if (strs.length % 2 !== 0) throw new TftpDecodeError(`${what}: option "${strs[strs.length - 1]}" has no value`)
  const options: TftpOptions = {}
  for (let i = 0; i < strs.length; i += 2) {
    const name = strs[i].toLowerCase()
    if (!name) throw new TftpDecodeError(`${what}: empty option name`)
    if (Object.hasOwn(options, name)) throw new TftpDecodeError(`${what}: duplicate option "${name}"`)
    options[name] = strs[i + 1]
  }
  return options
}

function decodeRequest(buf: Buffer, op: 'rrq' | 'wrq'): RequestPacket {
  const strs = cstrings(buf, 2, op.toUpperCase())
  if (strs.length < 2) throw new TftpDecodeError(`${op.toUpperCase()}: needs filename and mode`)
  const [filename, mode, ...rest] = strs
  if (!filename) throw new TftpDecodeError(`${op.toUpperCase()}: empty filename`)
  if (!mode) throw new TftpDecodeError(`${op.toUpperCase()}: empty mode`)
  return {op, filename, mode: mode.toLowerCase(), options: pairsToOptions(rest, op.toUpperCase())}
}

/** Decodes one datagram; throws TftpDecodeError (and nothing else) when malformed. */
export function decodePacket(buf: Buffer): TftpPacket {
  if (buf.length < 2) throw new TftpDecodeError(`packet too short (${buf.length} bytes)`)
  const opcode = buf.readUInt16BE(0)
  switch (opcode) {
    case Opcode.RRQ: return decodeRequest(buf, 'rrq')
    case Opcode.WRQ: return decodeRequest(buf, 'wrq')
    case Opcode.DATA:
      if (buf.length < 4) throw new TftpDecodeError('DATA: shorter than 4 bytes')
      return {op: 'data', block: buf.readUInt16BE(2), data: buf.subarray(4)}
    case Opcode.ACK:
      // Some ROMs pad ACKs; the block number is all that matters.
      if (buf.length < 4) throw new TftpDecodeError('ACK: shorter than 4 bytes')
      return {op: 'ack', block: buf.readUInt16BE(2)}
    case Opcode.ERROR: {
      if (buf.length < 4) throw new TftpDecodeError('ERROR: shorter than 4 bytes')
      const end = buf.indexOf(0, 4)
      return {op: 'error', code: buf.readUInt16BE(2), message: buf.toString('utf8', 4, end < 0 ? buf.length : end)}
    }
    case Opcode.OACK:
      return {op: 'oack', options: pairsToOptions(cstrings(buf, 2, 'OACK'), 'OACK')}
    default:
      throw new TftpDecodeError(`unknown opcode ${opcode}`)
  }
}

function header(opcode: number, word?: number): Buffer {
  const b = Buffer.allocUnsafe(word === undefined ? 2 : 4)
  b.writeUInt16BE(opcode, 0)
  if (word !== undefined) b.writeUInt16BE(word & 0xffff, 2)
  return b
}

function assertCstring(s: string, what: string): void {
  if (s.includes('\0')) throw new RangeError(`${what} must not contain NUL`)
}

function optionBytes(options: TftpOptions): Buffer[] {
  const parts: Buffer[] = []
  for (const [k, v] of Object.entries(options)) {
    assertCstring(k, 'option name')
    assertCstring(v, 'option value')
    parts.push(Buffer.from(`${k}\0${v}\0`, 'utf8'))
  }
  return parts
}

/** DATA header only; send it together with the payload (scatter/gather) to avoid a copy. */
export function dataHeader(block: number): Buffer {
  return header(Opcode.DATA, block)
}

export function encodePacket(p: TftpPacket): Buffer {
  switch (p.op) {
    case 'rrq':
    case 'wrq':
      assertCstring(p.filename, 'filename')
      assertCstring(p.mode, 'mode')
      return Buffer.concat([header(p.op === 'rrq' ? Opcode.RRQ : Opcode.WRQ), Buffer.from(`${p.filename}\0${p.mode}\0`, 'utf8'), ...optionBytes(p.options)])
    case 'data': return Buffer.concat([header(Opcode.DATA, p.block), p.data])
    case 'ack': return header(Opcode.ACK, p.block)
    case 'error':
      assertCstring(p.message, 'error message')
      return Buffer.concat([header(Opcode.ERROR, p.code), Buffer.from(`${p.message}\0`, 'utf8')])
    case 'oack': return Buffer.concat([header(Opcode.OACK), ...optionBytes(p.options)])
  }
}
