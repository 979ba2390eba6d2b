import type {FileHandle} from 'node:fs/promises'
import {encodeNetascii} from '../../protocols/tftp/netascii.js'

/**
 * Sequential block producers for a read transfer. Files are read with positioned reads in
 * read-ahead chunks (a multiple of the block size), so large files are never held whole.
 */

/** Yields raw byte chunks in order; null at end of data. */
type ChunkReader = () => Promise<Buffer | null>

export interface BlockSource {
  /** Next block: exactly blksize bytes, or fewer (possibly zero) for the final block. */
  next(): Promise<Buffer>
  close(): Promise<void>
}

const READAHEAD_BYTES = 256 * 1024

export function fileChunks(handle: FileHandle, size: number, blksize: number): ChunkReader {
  const chunk = Math.max(blksize, Math.floor(READAHEAD_BYTES / blksize) * blksize)
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

/** Cuts a chunk stream into TFTP blocks, copying only when a block spans two chunks. */
export function blockSource(read: ChunkReader, blksize: number, close: () => Promise<void> = async () => {}): BlockSource {
  let pending: Buffer = Buffer.alloc(0)
  let eof = false
  return {
    async next() {
      while (pending.length < blksize && !eof) {
        const chunk = await read()
        if (chunk === null) eof = true
        else pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      }
      const n = Math.min(blksize, pending.length)
      const block = pending.subarray(0, n)
      pending = pending.subarray(n)
      return block
    },
    close,
  }
}
