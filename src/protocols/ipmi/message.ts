import {IpmiDecodeError, need} from './constants.js'

/** IPMI LAN message framing (IPMI 2.0 §13.8) with its two 2's-complement checksums. */
export const BMC_ADDR = 0x20
/** Software ID of a remote console (IPMI 2.0 §5.5). */
export const REMOTE_CONSOLE_ADDR = 0x81

export interface IpmiRequest {
  netFn: number
  cmd: number
  /** 6-bit requester sequence, matched against the response; kept across retransmits. */
  rqSeq: number
  data: Buffer
  rsAddr?: number
  rqAddr?: number
  rsLun?: number
  rqLun?: number
}

export interface IpmiResponse {
  /** Response netFn (request netFn + 1). */
  netFn: number
  cmd: number
  rqSeq: number
  completionCode: number
  data: Buffer
  rsAddr?: number
  rqAddr?: number
  rsLun?: number
  rqLun?: number
}

export function checksum(bytes: Buffer): number {
  let sum = 0
  for (const b of bytes) sum = (sum + b) & 0xff
  return (0x100 - sum) & 0xff
}

function frame(a1: number, netFnLun: number, a2: number, seqLun: number, cmd: number, body: Buffer): Buffer {
  const head = Buffer.from([a1, netFnLun])
  const mid = Buffer.concat([Buffer.from([a2, seqLun, cmd]), body])
  return Buffer.concat([head, Buffer.from([checksum(head)]), mid, Buffer.from([checksum(mid)])])
}

function unframe(buf: Buffer, what: string): {a1: number; netFn: number; lun1: number; a2: number; seq: number; lun2: number; cmd: number; body: Buffer} {
  need(buf, 7, what)
  if (checksum(buf.subarray(0, 2)) !== buf[2]) throw new IpmiDecodeError(`${what}: header checksum mismatch`)
  const mid = buf.subarray(3, buf.length - 1)
  if (checksum(mid) !== buf[buf.length - 1]) throw new IpmiDecodeError(`${what}: data checksum mismatch`)
  return {
    a1: buf[0], netFn: buf[1] >> 2, lun1: buf[1] & 3,
    a2: buf[3], seq: buf[4] >> 2, lun2: buf[4] & 3, cmd: buf[5], body: buf.subarray(6, buf.length - 1),
  }
}

export function encodeRequest(r: IpmiRequest): Buffer {
  return frame(r.rsAddr ?? BMC_ADDR, (r.netFn << 2) | (r.rsLun ?? 0), r.rqAddr ?? REMOTE_CONSOLE_ADDR,
    ((r.rqSeq & 0x3f) << 2) | (r.rqLun ?? 0), r.cmd, r.data)
}

export function decodeRequest(buf: Buffer): IpmiRequest {
  const f = unframe(buf, 'IPMI request')
  return {rsAddr: f.a1, netFn: f.netFn, rsLun: f.lun1, rqAddr: f.a2, rqSeq: f.seq, rqLun: f.lun2, cmd: f.cmd, data: Buffer.from(f.body)}
}

export function encodeResponse(r: IpmiResponse): Buffer {
  return frame(r.rqAddr ?? REMOTE_CONSOLE_ADDR, (r.netFn << 2) | (r.rqLun ?? 0), r.rsAddr ?? BMC_ADDR,
    ((r.rqSeq & 0x3f) << 2) | (r.rsLun ?? 0), r.cmd, Buffer.concat([Buffer.from([r.completionCode]), r.data]))
}

export function decodeResponse(buf: Buffer): IpmiResponse {
  const f = unframe(buf, 'IPMI response')
  if (f.body.length < 1) throw new IpmiDecodeError('IPMI response: no completion code')
  return {
    rqAddr: f.a1, netFn: f.netFn, rqLun: f.lun1, rsAddr: f.a2, rqSeq: f.seq, rsLun: f.lun2, cmd: f.cmd,
    completionCode: f.body[0], data: Buffer.from(f.body.subarray(1)),
  }
}

/** A response to `req`: same command, netFn + 1, same sequence. */
export function responseTo(req: IpmiRequest, completionCode: number, data: Buffer = Buffer.alloc(0)): IpmiResponse {
  return {
    netFn: req.netFn + 1, cmd: req.cmd, rqSeq: req.rqSeq, completionCode, data,
    rqAddr: req.rqAddr, rsAddr: req.rsAddr, rqLun: req.rqLun, rsLun: req.rsLun,
  }
}
