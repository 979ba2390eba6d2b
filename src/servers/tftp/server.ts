import {createSocket, type RemoteInfo, type Socket} from 'node:dgram'
import {setMaxListeners} from 'node:events'
import {realpath} from 'node:fs/promises'
import {EnvironmentError} from '../../errors.js'
import type {Logger} from '../../log.js'
import {negotiateRead, BLKSIZE_MAX} from '../../protocols/tftp/options.js'
import {decodePacket, encodePacket, TftpDecodeError, TftpErrorCode, type RequestPacket} from '../../protocols/tftp/packet.js'
import {cleanRelative, openUnderRoot} from './contain.js'
import {RateLimiter} from './ratelimit.js'
import {blockSource, bufferChunks, fileChunks, netasciiChunks, READ_BYTES, type BlockSource} from './source.js'
import {runReadTransfer, type Peer} from './transfer.js'

/** Narrow port to the rest of bmpctl: dynamic files (pxelinux.cfg/01-<mac>) and per-node events. */
export interface TftpBackend {
  /** Content for a root-relative path, or undefined to fall through to the file system. */
  file?(path: string, client: Peer): Buffer | string | undefined | Promise<Buffer | string | undefined>
  /** kinds: `tftp.start`, `tftp.done`, `tftp.error`. */
  event?(client: {address: string}, kind: string, message: string, data?: Record<string, unknown>): void
}

export interface TftpServerOptions {
  root: string
  port?: number
  bindAddress?: string
  log: Logger
  signal?: AbortSignal
  backend?: TftpBackend
  /** Concurrent transfers; beyond this new requests get ERROR 0 "server busy". */
  maxTransfers?: number
  /** New transfers per second per client address (burst twice that). */
  perClientRate?: number
  maxBlksize?: number
  maxWindowsize?: number
  /** Retransmission timeout when the client does not ask for one. */
  timeoutMs?: number
  maxRetries?: number
}

export interface TftpStats {
  active: number
  started: number
  completed: number
  failed: number
  refused: number
  rateLimited: number
  malformed: number
  bytesSent: number
}

export interface TftpServer {
  port: number
  close(): Promise<void>
  stats(): TftpStats
}

export async function startTftpServer(opts: TftpServerOptions): Promise<TftpServer> {
  const rootReal = await realpath(opts.root).catch((err: Error) => {
    throw new EnvironmentError(`TFTP root ${opts.root} is not usable: ${err.message}`, 'create the directory or fix --tftp-root')
  })
  const ctx = new Context(opts, rootReal)
  const socket = createSocket({type: 'udp4', reuseAddr: false})
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (err) => reject(new EnvironmentError(`TFTP cannot bind ${opts.bindAddress ?? '0.0.0.0'}:${opts.port ?? 69}: ${err.message}`, 'another TFTP server (tftpd-hpa, dnsmasq) may hold the port, or run as root for port 69')))
    socket.bind(opts.port ?? 69, opts.bindAddress ?? '0.0.0.0', () => resolve())
  })
  socket.on('error', (err) => opts.log.error('tftp socket error', {error: err.message}))
  socket.on('message', (msg, rinfo) => ctx.onRequest(socket, msg, rinfo))
  const port = socket.address().port
  opts.log.info('tftp listening', {address: opts.bindAddress ?? '0.0.0.0', port, root: rootReal})

  let closed: Promise<void> | undefined
  const close = () => (closed ??= (async () => {
    ctx.abort.abort()
    await new Promise<void>((r) => socket.close(() => r()))
    await Promise.allSettled([...ctx.transfers])
  })())
  opts.signal?.addEventListener('abort', () => void close(), {once: true})
  return {port, close, stats: () => ({...ctx.stats, active: ctx.transfers.size})}
}

/** An opened file or dynamic content: its size when known, and a block source factory. */
type Opened = {size?: number; source: (blksize: number, aheadBytes: number) => BlockSource}

/** Per-server state shared by request handling. */
class Context {
  readonly abort = new AbortController()
  readonly transfers = new Set<Promise<void>>()
  readonly stats: TftpStats = {active: 0, started: 0, completed: 0, failed: 0, refused: 0, rateLimited: 0, malformed: 0, bytesSent: 0}
  private readonly limiter: RateLimiter
  private readonly lastLimitLog = new Map<string, number>()

  constructor(private o: TftpServerOptions, private rootReal: string) {
    this.limiter = new RateLimiter(o.perClientRate ?? 20)
    setMaxListeners(0, this.abort.signal) // one abort listener per live transfer, removed when it ends
  }

  onRequest(main: Socket, msg: Buffer, rinfo: RemoteInfo): void {
    const client = {address: rinfo.address, port: rinfo.port}
    let req
    try {
      req = decodePacket(msg)
    } catch (err) {
      if (!(err instanceof TftpDecodeError)) throw err
      this.stats.malformed++
      this.o.log.debug('tftp malformed packet ignored', {client: client.address, error: err.message})
      return
    }
    if (req.op !== 'rrq' && req.op !== 'wrq') return // stray DATA/ACK on port 69: not ours to answer
    if (!this.limiter.take(client.address)) return this.rateLimited(client.address)
    const reply = (code: number, message: string) => main.send(encodePacket({op: 'error', code, message}), client.port, client.address)
    if (req.op === 'wrq') {
      this.refuse(client, req.filename, 'write request (server is read-only)')
      return reply(TftpErrorCode.AccessViolation, 'access violation: read-only server')
    }
    if (this.transfers.size >= (this.o.maxTransfers ?? 256)) {
      this.o.log.warn('tftp busy, request refused', {client: client.address, path: req.filename})
      return reply(TftpErrorCode.NotDefined, 'server busy, try again')
    }
    const t = this.serve(req, client).catch((err: Error) => {
      this.stats.failed++
      this.o.log.error('tftp transfer crashed', {client: client.address, path: req.filename, error: err.message})
    }).finally(() => this.transfers.delete(t))
    this.transfers.add(t)
  }

  private rateLimited(address: string): void {
    this.stats.rateLimited++
    const now = Date.now()
    if (now - (this.lastLimitLog.get(address) ?? 0) < 10_000) return
    this.lastLimitLog.set(address, now)
    this.o.log.warn('tftp client over its request rate; dropping requests', {client: address, perSecond: this.o.perClientRate ?? 20})
  }

  private refuse(client: Peer, path: string, reason: string): void {
    this.stats.refused++
    this.o.log.warn('tftp request refused', {client: client.address, port: client.port, path, reason})
    this.o.backend?.event?.({address: client.address}, 'tftp.error', `refused ${path}: ${reason}`, {path, reason})
  }

  private async serve(req: RequestPacket, client: Peer): Promise<void> {
    const sock = createSocket('udp4')
    const replyError = (code: number, message: string) => new Promise<void>((r) => sock.send(encodePacket({op: 'error', code, message}), client.port, client.address, () => r()))
    try {
      await new Promise<void>((resolve, reject) => { sock.once('error', reject); sock.bind(0, this.o.bindAddress ?? '0.0.0.0', () => resolve()) })
      sock.on('error', (err) => this.o.log.debug('tftp transfer socket error', {client: client.address, error: err.message}))
      if (req.mode !== 'octet' && req.mode !== 'netascii') {
        this.refuse(client, req.filename, `unsupported mode ${req.mode}`)
        return await replyError(TftpErrorCode.IllegalOperation, `unsupported mode ${req.mode}`)
      }
      const rel = cleanRelative(req.filename)
      if (rel === undefined) {
        this.refuse(client, req.filename, 'path escapes the root')
        return await replyError(TftpErrorCode.AccessViolation, 'access violation')
      }
      const opened = await this.open(rel, client, req.mode === 'netascii')
      if ('error' in opened) {
        if (opened.code === TftpErrorCode.AccessViolation) this.refuse(client, req.filename, opened.error)
        else {
          this.stats.refused++
          this.o.log.info('tftp file not found', {client: client.address, path: req.filename})
          this.o.backend?.event?.({address: client.address}, 'tftp.error', `not found: ${rel}`, {path: rel})
        }
        return await replyError(opened.code, opened.error)
      }
      await this.transfer(sock, req, rel, client, opened)
    } finally {
      sock.close()
    }
  }

  private async open(rel: string, client: Peer, netascii: boolean): Promise<{code: number; error: string} | Opened> {
    const dynamic = await this.o.backend?.file?.(rel, client)
    if (dynamic !== undefined) {
      const buf = typeof dynamic === 'string' ? Buffer.from(dynamic, 'utf8') : dynamic
      const chunks = () => (netascii ? netasciiChunks(bufferChunks(buf)) : bufferChunks(buf))
      return {size: netascii ? undefined : buf.length, source: (blksize, ahead) => blockSource(chunks(), blksize, ahead)}
    }
    const r = await openUnderRoot(this.rootReal, rel)
    if (r.kind === 'escape') return {code: TftpErrorCode.AccessViolation, error: `access violation`}
    if (r.kind !== 'file') return {code: TftpErrorCode.FileNotFound, error: 'file not found'}
    const {handle, stat} = r
    return {
      size: netascii ? undefined : stat.size,
      source: (blksize, ahead) => {
        const raw = fileChunks(handle, stat.size, blksize)
        return blockSource(netascii ? netasciiChunks(raw) : raw, blksize, ahead, () => handle.close())
      },
    }
  }

  private async transfer(sock: Socket, req: RequestPacket, rel: string, client: Peer, opened: Opened) {
    const {accepted, params} = negotiateRead(req.options, opened.size, {
      maxBlksize: this.o.maxBlksize ?? BLKSIZE_MAX,
      maxWindowsize: this.o.maxWindowsize ?? 64,
      defaultTimeoutMs: this.o.timeoutMs ?? 1000,
    })
    // Read ahead one window plus one read, so the next window is in memory when its ACK comes.
    const source = opened.source(params.blksize, params.blksize * params.windowsize + READ_BYTES)
    const started = Date.now()
    this.stats.started++
    const info = {path: rel, mode: req.mode, ...params, size: opened.size}
    this.o.log.info('tftp transfer start', {client: client.address, port: client.port, ...info})
    this.o.backend?.event?.({address: client.address}, 'tftp.start', `RRQ ${rel}`, info)
    try {
      const result = await runReadTransfer({socket: sock, peer: client, source, params, oack: accepted, maxRetries: this.o.maxRetries ?? 5, signal: this.abort.signal})
      this.stats.bytesSent += result.bytes
      const ms = Date.now() - started
      if (result.ok) {
        this.stats.completed++
        this.o.log.info('tftp transfer done', {client: client.address, path: rel, bytes: result.bytes, ms, retransmits: result.retransmits})
        this.o.backend?.event?.({address: client.address}, 'tftp.done', `sent ${rel} (${result.bytes} bytes)`, {path: rel, bytes: result.bytes, ms})
      } else {
        this.stats.failed++
        this.o.log.warn('tftp transfer failed', {client: client.address, path: rel, reason: result.reason, bytes: result.bytes})
        this.o.backend?.event?.({address: client.address}, 'tftp.error', `${rel}: ${result.reason}`, {path: rel, reason: result.reason})
      }
    } finally {
      await source.close()
    }
  }
}
