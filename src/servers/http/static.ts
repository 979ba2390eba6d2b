import type {Stats} from 'node:fs'
import type {FileHandle} from 'node:fs/promises'
import type {IncomingMessage, ServerResponse} from 'node:http'
import {extname} from 'node:path'
import {cleanRelative, openUnderRoot} from '../tftp/contain.js'

/**
 * Static files for iPXE/LiveOS: kernels, initrds and disk images, streamed with
 * backpressure, with single byte ranges (resumable image pulls) and validators (304).
 */

export type RangeResult = {kind: 'none'} | {kind: 'range'; start: number; end: number} | {kind: 'unsatisfiable'}

/**
 * Parses a Range header for a file of `size` bytes (RFC 9110 §14). Multi-range and
 * malformed headers are ignored (answer 200 with the whole file, which RFC 9110 allows).
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return {kind: 'none'}
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!m || (m[1] === '' && m[2] === '')) return {kind: 'none'}
  if (m[1] === '') {
    const suffix = Number(m[2])
    if (suffix === 0 || size === 0) return {kind: 'unsatisfiable'}
    return {kind: 'range', start: Math.max(0, size - suffix), end: size - 1}
  }
  const start = Number(m[1])
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  if (m[2] !== '' && Number(m[2]) < start) return {kind: 'none'}
  if (start >= size) return {kind: 'unsatisfiable'}
  return {kind: 'range', start, end}
}

export function etagFor(stat: Stats): string {
  return `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`
}

/** True when the client's cached copy is current (If-None-Match wins over If-Modified-Since). */
export function notModified(req: IncomingMessage, etag: string, mtime: Date): boolean {
  const inm = req.headers['if-none-match']
  if (inm !== undefined) return inm.split(',').some((t) => { const v = t.trim().replace(/^W\//, ''); return v === '*' || v === etag })
  const ims = req.headers['if-modified-since']
  if (ims === undefined) return false
  const since = Date.parse(ims)
  return !Number.isNaN(since) && Math.floor(mtime.getTime() / 1000) <= Math.floor(since / 1000)
}

const TYPES: Record<string, string> = {
  '.ipxe': 'text/plain; charset=utf-8', '.txt': 'text/plain; charset=utf-8', '.cfg': 'text/plain; charset=utf-8',
  '.json': 'application/json', '.html': 'text/html; charset=utf-8', '.iso': 'application/x-iso9660-image',
  '.xz': 'application/x-xz', '.gz': 'application/gzip', '.zst': 'application/zstd', '.qcow2': 'application/octet-stream',
}

export type StaticOutcome = {status: number; bytes: number; path?: string; refused?: string}

/** Decodes a URL path to a root-relative file name; undefined when it tries to leave the root. */
export function relativeFromUrlPath(pathname: string): string | undefined {
  let decoded: string
  try { decoded = decodeURIComponent(pathname) } catch { return undefined }
  return cleanRelative(decoded)
}

export async function serveStatic(req: IncomingMessage, res: ServerResponse, rootReal: string, pathname: string): Promise<StaticOutcome> {
  if (/^\/*$/.test(pathname)) return {status: 404, bytes: 0} // no directory listings
  const rel = relativeFromUrlPath(pathname)
  if (rel === undefined) return {status: 403, bytes: 0, refused: 'path escapes the root'}
  const r = await openUnderRoot(rootReal, rel)
  if (r.kind === 'escape') return {status: 403, bytes: 0, refused: r.reason}
  if (r.kind !== 'file') return {status: 404, bytes: 0}
  const {handle, stat} = r
  try {
    const etag = etagFor(stat)
    res.setHeader('ETag', etag)
    res.setHeader('Last-Modified', stat.mtime.toUTCString())
    res.setHeader('Accept-Ranges', 'bytes')
    res.setHeader('Content-Type', TYPES[extname(rel).toLowerCase()] ?? 'application/octet-stream')
    if (notModified(req, etag, stat.mtime)) {
      res.writeHead(304).end()
      return {status: 304, bytes: 0, path: rel}
    }
    const ifRange = req.headers['if-range']
    const range = ifRange !== undefined && ifRange !== etag ? {kind: 'none' as const} : parseRange(req.headers.range, stat.size)
    if (range.kind === 'unsatisfiable') {
      res.writeHead(416, {'Content-Range': `bytes */${stat.size}`, 'Content-Length': 0}).end()
      return {status: 416, bytes: 0, path: rel}
    }
    const [start, end, status] = range.kind === 'range' ? [range.start, range.end, 206] : [0, stat.size - 1, 200]
    const length = Math.max(0, end - start + 1)
    if (status === 206) res.setHeader('Content-Range', `bytes ${start}-${end}/${stat.size}`)
    res.writeHead(status, {'Content-Length': length})
    if (req.method === 'HEAD' || length === 0) {
      res.end()
      return {status, bytes: 0, path: rel}
    }
    await sendRange(handle, res, start, end)
    return {status, bytes: length, path: rel}
  } finally {
    await handle.close()
  }
}

/** Bytes per positioned read; two such buffers per download are reused until it ends. */
const CHUNK = 1024 * 1024

/**
 * Copies bytes start..end (inclusive) of the file to the response, reading the next chunk
 * while the previous one is being written. Reusing two buffers keeps them in CPU cache and
 * avoids a fresh allocation (and its page faults) per chunk, which a read stream does.
 */
async function sendRange(handle: FileHandle, res: ServerResponse, start: number, end: number): Promise<void> {
  const size = Math.min(CHUNK, end - start + 1)
  const bufs = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)]
  const writes: Promise<void>[] = [Promise.resolve(), Promise.resolve()]
  const gone = closed(res)
  try {
    let pos = start
    for (let i = 0; pos <= end; i ^= 1) {
      await Promise.race([writes[i], gone.promise]) // this buffer's previous write has left for the kernel
      const {bytesRead} = await handle.read(bufs[i], 0, Math.min(size, end - pos + 1), pos)
      if (bytesRead === 0) throw new Error('file shrank while being served')
      pos += bytesRead
      writes[i] = write(res, bufs[i].subarray(0, bytesRead))
      writes[i].catch(() => {}) // observed by a later race; an early failure must not go unhandled
    }
    await Promise.race([Promise.all([...writes, new Promise<void>((resolve) => res.end(resolve))]), gone.promise])
  } finally {
    gone.dispose()
  }
}

function write(res: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => { res.write(chunk, (err) => (err ? reject(err) : resolve())) })
}

/** Rejects when the client goes away before the response finished. */
function closed(res: ServerResponse): {promise: Promise<never>; dispose: () => void} {
  let onClose = () => {}
  const promise = new Promise<never>((_, reject) => {
    onClose = () => { if (!res.writableFinished) reject(Object.assign(new Error('client closed the connection'), {code: 'ERR_STREAM_PREMATURE_CLOSE'})) }
    res.once('close', onClose)
  })
  promise.catch(() => {})
  return {promise, dispose: () => res.off('close', onClose)}
}
