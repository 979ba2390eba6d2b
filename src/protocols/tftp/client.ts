import {createHash} from 'node:crypto'
import {createSocket, type RemoteInfo} from 'node:dgram'
import {acceptOack} from './options.js'
import {NetasciiDecoder} from './netascii.js'
import {decodePacket, encodePacket, TftpErrorCode, type TftpOptions, type TftpPacket} from './packet.js'

/**
 * A small TFTP read client with windowsize (RFC 7440) support: common clients (curl,
 * tftp-hpa) lack windowsize, so self-checks and benchmarks use this one.
 */

export interface TftpGetOptions {
  host: string
  port: number
  filename: string
  mode?: 'octet' | 'netascii'
  blksize?: number
  windowsize?: number
  /** Ask for tsize (0 in the request, per RFC 2349). */
  tsize?: boolean
  /** Retransmission timeout (ms) for our ACKs / the request. */
  timeoutMs?: number
  retries?: number
  /** Keep the payload in memory (default true); the sha256 is always computed. */
  collect?: boolean
  /** Test hook: return true to pretend this DATA packet was lost. */
  dropData?: (block: number) => boolean
  /** Answer the OACK with ERROR 8 (to exercise server fallback). */
  rejectOack?: boolean
}

export interface TftpGetResult {
  bytes: number
  sha256: string
  data?: Buffer
  /** Options the server acknowledged (empty when it answered with DATA directly). */
  oack: TftpOptions
  tsize?: number
  /** Our ACKs re-sent after a timeout or a gap. */
  reacks: number
}

export class TftpClientError extends Error {
  constructor(message: string, readonly code?: number) {
    super(message)
    this.name = 'TftpClientError'
  }
}

export async function tftpGet(o: TftpGetOptions): Promise<TftpGetResult> {
  const requested: TftpOptions = {}
  if (o.blksize !== undefined) requested.blksize = String(o.blksize)
  if (o.tsize) requested.tsize = '0'
  if (o.windowsize !== undefined) requested.windowsize = String(o.windowsize)
  const sock = createSocket('udp4')
  await new Promise<void>((r) => sock.bind(0, () => r()))
  try { sock.setRecvBufferSize(8 * 1024 * 1024) } catch { /* capped by net.core.rmem_max */ }
  try {
    return await receive(sock, o, requested)
  } finally {
    sock.close()
  }
}

function receive(sock: ReturnType<typeof createSocket>, o: TftpGetOptions, requested: TftpOptions): Promise<TftpGetResult> {
  const timeoutMs = o.timeoutMs ?? 1000
  const retries = o.retries ?? 5
  const hash = createHash('sha256')
  const decoder = o.mode === 'netascii' ? new NetasciiDecoder() : undefined
  const parts: Buffer[] = []
  let blksize = 512, windowsize = 1
  let tid: RemoteInfo | undefined
  let last = 0 // absolute number of the last in-order block
  let inWindow = 0
  let gapAckedAt = -1
  let bytes = 0, reacks = 0, tries = 0
  let oack: TftpOptions = {}
  let tsize: number | undefined
  let lastSent = encodePacket({op: 'rrq', filename: o.filename, mode: o.mode ?? 'octet', options: requested})

  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout
    const to = (p: TftpPacket, sent?: () => void) => {
      lastSent = encodePacket(p)
      sock.send(lastSent, tid!.port, tid!.address, () => sent?.())
    }
    const arm = () => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        if (++tries > retries) return finish(new TftpClientError(`timed out after ${retries} retries at block ${last}`))
        reacks++
        const toServer = last === 0 && Object.keys(oack).length === 0 // still the request
        sock.send(lastSent, toServer ? o.port : tid!.port, toServer ? o.host : tid!.address)
        arm()
      }, timeoutMs)
    }
    const finish = (err?: Error) => {
      clearTimeout(timer)
      sock.removeAllListeners('message')
      if (err) return reject(err)
      const tail = decoder?.end()
      if (tail?.length) { hash.update(tail); parts.push(tail); bytes += tail.length }
      resolve({bytes, sha256: hash.digest('hex'), data: o.collect === false ? undefined : Buffer.concat(parts), oack, tsize, reacks})
    }
    const accept = (data: Buffer) => {
      const out = decoder ? decoder.push(data) : data
      hash.update(out)
      if (o.collect !== false) parts.push(Buffer.from(out))
      bytes += out.length
    }
    sock.on('message', (msg, rinfo) => {
      if (tid && (rinfo.port !== tid.port || rinfo.address !== tid.address)) return
      let p: TftpPacket
      try { p = decodePacket(msg) } catch { return }
      if (p.op === 'data' && o.dropData?.(p.block)) return
      if (!tid) tid = rinfo
      if (p.op === 'error') return finish(new TftpClientError(`server ERROR ${p.code}: ${p.message}`, p.code))
      if (p.op === 'oack' && last === 0) {
        if (o.rejectOack) {
          to({op: 'error', code: TftpErrorCode.OptionNegotiation, message: 'options rejected'})
          return finish(new TftpClientError('OACK rejected on request', TftpErrorCode.OptionNegotiation))
        }
        const r = acceptOack(requested, p.options)
        if ('error' in r) {
          to({op: 'error', code: TftpErrorCode.OptionNegotiation, message: r.error})
          return finish(new TftpClientError(r.error, TftpErrorCode.OptionNegotiation))
        }
        oack = p.options
        ;({blksize, windowsize, tsize} = r.params)
        tries = 0
        to({op: 'ack', block: 0})
        return arm()
      }
      if (p.op !== 'data') return
      if (p.block === ((last + 1) & 0xffff)) {
        last++
        accept(p.data)
        tries = 0
        const final = p.data.length < blksize
        // The final ACK must leave before the socket closes.
        if (final) return to({op: 'ack', block: p.block}, () => finish())
        if (++inWindow >= windowsize) {
          inWindow = 0
          to({op: 'ack', block: p.block})
        }
        return arm()
      }
      const ahead = (p.block - last) & 0xffff
      if (windowsize === 1 && ahead === 0) {
        // Our ACK was lost: the server re-sent the block we have.
        reacks++
        return to({op: 'ack', block: last & 0xffff})
      }
      // A gap (RFC 7440 §4): ACK the last in-order block once so the server restarts after it.
      if (ahead > 1 && ahead <= 2 * windowsize && gapAckedAt !== last) {
        gapAckedAt = last
        inWindow = 0
        reacks++
        to({op: 'ack', block: last & 0xffff})
      }
    })
    sock.send(lastSent, o.port, o.host)
    arm()
  })
}
