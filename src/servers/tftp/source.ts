import type {FileHandle} from 'node:fs/promises'
import {encodeNetascii} from '../../protocols/tftp/netascii.js'

/**
 * Block producers for a read transfer. Data is read ahead in large positioned reads while
 * the current window is on the wire, so an ACK can almost always be answered from memory
 * in the same tick; large files are never held whole.
 */

/** Yields raw byte chunks in order; null at end of data. */
type ChunkReader = () => Promise<Buffer | null>

export interface BlockSource {
  /**
   * Next block when it is already buffered: exactly blksize bytes, or fewer (possibly zero)
   * for the final block; undefined while the read-ahead has not caught up (await `ready()`).
   * Throws the read error if reading failed.
   */
  take(): Buffer | undefined
  /** Resolves once `take()` has a block to give (rejects with a read error). */
  ready(): Promise<void>
  close(): Promise<void>
}

/** Bytes per positioned read; also the read-ahead kept beyond one window. */
export const READ_BYTES = 256 * 1024

export function fileChunks(handle: FileHandle, size: number, blksize: number): ChunkReader {
  const chunk = Math.max(blksize, Math.floor(READ_BYTES / blksize) * blksize)
  let pos = 0
  return async () => {
    if (pos >= size) return null
    const buf = Buffer.allocUnsafe(Math.min(chunk, size - pos))
    let filled = 0
    while (filled < buf.length) {
      const {bytesRead} = await handle.read(buf, filled, buf.length - filled, pos + filled)
      if (bytesRead === 0) break // file shrank while serving: end here
      filled += bytesRead
    }
    pos += filled
    if (filled === 0) { pos = size; return null }
    return filled === buf.length ? buf : buf.subarray(0, filled)
  }
}

export function bufferChunks(data: Buffer): ChunkReader {
  let done = false
  return async () => {
    if (done || data.length === 0) return null
    done = true
    return data
  }
}

export function netasciiChunks(inner: ChunkReader): ChunkReader {
  return async () => {
    const raw = await inner()
    return raw === null ? null : encodeNetascii(raw)
  }
}

/**
 * Cuts a chunk stream into TFTP blocks (views, copying only when a block spans two chunks)
 * and keeps at least `aheadBytes` buffered by reading in the background.
 */
export function blockSource(read: ChunkReader, blksize: number, aheadBytes: number, close: () => Promise<void> = async () => {}): BlockSource {
  return new ReadAhead(read, blksize, aheadBytes, close)
}

class ReadAhead implements BlockSource {
  private blocks: Buffer[] = []
  private head = 0
  private buffered = 0
  private pending: Buffer = Buffer.alloc(0)
  private eof = false
  private reading = false
  private error?: Error
  private waiters: {resolve: () => void; reject: (e: Error) => void}[] = []

  constructor(private read: ChunkReader, private blksize: number, private aheadBytes: number, readonly close: () => Promise<void>) {
    this.refill()
  }

  take(): Buffer | undefined {
    if (this.head < this.blocks.length) {
      const b = this.blocks[this.head++]
      this.buffered -= b.length
      if (this.head > 1024 && this.head * 2 > this.blocks.length) { this.blocks = this.blocks.slice(this.head); this.head = 0 }
      this.refill()
      return b
    }
    if (this.error) throw this.error
    this.refill()
    return undefined
  }

  ready(): Promise<void> {
    if (this.head < this.blocks.length) return Promise.resolve()
    if (this.error) return Promise.reject(this.error)
    if (this.eof) return Promise.resolve() // everything, final block included, was taken
    this.refill()
    return new Promise((resolve, reject) => this.waiters.push({resolve, reject}))
  }

  private refill(): void {
    if (this.reading || this.eof || this.error || this.buffered >= this.aheadBytes) return
    this.reading = true
    this.read().then((chunk) => {
      this.reading = false
      this.cut(chunk)
      this.wake()
      this.refill()
    }, (err: Error) => {
      this.reading = false
      this.error = err
      this.wake()
    })
  }

  private push(b: Buffer): void {
    this.blocks.push(b)
    this.buffered += b.length
  }

  private cut(chunk: Buffer | null): void {
    const n = this.blksize
    if (chunk === null) {
      this.eof = true
      this.push(this.pending) // the final block: shorter than blksize, possibly empty
      return
    }
    let off = 0
    if (this.pending.length > 0) {
      off = Math.min(n - this.pending.length, chunk.length)
      this.pending = Buffer.concat([this.pending, chunk.subarray(0, off)])
      if (this.pending.length < n) return
      this.push(this.pending)
    }
    for (; off + n <= chunk.length; off += n) this.push(chunk.subarray(off, off + n))
    this.pending = chunk.subarray(off)
  }

  private wake(): void {
    const ws = this.waiters
    this.waiters = []
    for (const w of ws) this.error ? w.reject(this.error) : w.resolve()
  }
}
