/**
 * netascii (RFC 764 as used by RFC 1350): LF → CR LF, CR → CR NUL on the wire.
 * Encoding is per byte, so chunks can be encoded independently.
 */
export function encodeNetascii(raw: Buffer): Buffer {
  let extra = 0
  for (const b of raw) if (b === 0x0a || b === 0x0d) extra++
  if (extra === 0) return raw
  const out = Buffer.allocUnsafe(raw.length + extra)
  let o = 0
  for (const b of raw) {
    if (b === 0x0a) { out[o++] = 0x0d; out[o++] = 0x0a } else if (b === 0x0d) { out[o++] = 0x0d; out[o++] = 0x00 } else out[o++] = b
  }
  return out
}

/** Stateful decoder: a CR at the end of one chunk pairs with the first byte of the next. */
export class NetasciiDecoder {
  private pendingCr = false

  push(wire: Buffer): Buffer {
    const out: number[] = []
    for (const b of wire) {
      if (this.pendingCr) {
        this.pendingCr = false
        if (b === 0x0a) { out.push(0x0a); continue }
        out.push(0x0d)
        if (b === 0x00) continue
      }
      if (b === 0x0d) this.pendingCr = true
      else out.push(b)
    }
    return Buffer.from(out)
  }

  /** Flushes a dangling CR at end of transfer. */
  end(): Buffer {
    const out = this.pendingCr ? Buffer.from([0x0d]) : Buffer.alloc(0)
    this.pendingCr = false
    return out
  }
}
