/**
 * Deterministic newc ("070701") cpio writer and reader for initramfs images.
 * Hand-written because the kernel needs only this one simple format and we need full
 * control over ordering, mtimes and owners to make builds byte-for-byte reproducible.
 */

export type CpioEntry =
  | {type: 'dir'; path: string; mode?: number}
  | {type: 'file'; path: string; mode?: number; data: Buffer}
  | {type: 'symlink'; path: string; target: string}
  | {type: 'char'; path: string; mode?: number; major: number; minor: number}

const TYPE_BITS = {dir: 0o040000, file: 0o100000, symlink: 0o120000, char: 0o020000} as const
const DEFAULT_MODE = {dir: 0o755, file: 0o644, symlink: 0o777, char: 0o600} as const
const TRAILER = 'TRAILER!!!'

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0')
}

function pad4(len: number): Buffer {
  return Buffer.alloc((4 - (len % 4)) % 4)
}

/** Strips leading "/" and "./" so entries are relative, as the kernel expects. */
export function normalizeCpioPath(p: string): string {
  const out = p.replace(/^\/+/, '').replace(/^(\.\/)+/, '').replace(/\/+$/, '')
  if (!out || out.split('/').some((s) => s === '..' || s === '')) throw new Error(`bad cpio path: ${JSON.stringify(p)}`)
  return out
}

function header(ino: number, mode: number, nlink: number, size: number, name: string, rdev: [number, number]): Buffer {
  const nameBytes = Buffer.byteLength(name) + 1
  const fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev[0], rdev[1], nameBytes, 0]
  const head = Buffer.from('070701' + fields.map(hex8).join(''), 'ascii')
  const nameBuf = Buffer.concat([Buffer.from(name), Buffer.alloc(1)])
  return Buffer.concat([head, nameBuf, pad4(head.length + nameBuf.length)])
}

/**
 * Serialises entries sorted by path (parents before children), uid/gid 0, mtime 0,
 * sequential inode numbers: the same entries always give the same bytes.
 */
export function writeCpio(entries: CpioEntry[]): Buffer {
  const byPath = new Map<string, CpioEntry>()
  for (const e of entries) {
    const path = normalizeCpioPath(e.path)
    if (byPath.has(path)) throw new Error(`duplicate cpio entry: ${path}`)
    byPath.set(path, {...e, path})
  }
  const sorted = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const parts: Buffer[] = []
  let ino = 1
  for (const e of sorted) {
    const perm = e.type === 'symlink' ? DEFAULT_MODE.symlink : (e.mode ?? DEFAULT_MODE[e.type])
    const mode = TYPE_BITS[e.type] | (perm & 0o7777)
    const data = e.type === 'file' ? e.data : e.type === 'symlink' ? Buffer.from(e.target) : Buffer.alloc(0)
    const rdev: [number, number] = e.type === 'char' ? [e.major, e.minor] : [0, 0]
    parts.push(header(ino++, mode, e.type === 'dir' ? 2 : 1, data.length, e.path, rdev), data, pad4(data.length))
  }
  parts.push(header(0, 0, 1, 0, TRAILER, [0, 0]))
  return Buffer.concat(parts)
}

export interface CpioRecord {
  path: string
  mode: number
  uid: number
  gid: number
  mtime: number
  data: Buffer
  rdev: [number, number]
}

/** Reads a newc archive back (tests and inspection); stops at the trailer. */
export function readCpio(buf: Buffer): CpioRecord[] {
  const out: CpioRecord[] = []
  let off = 0
  while (off + 110 <= buf.length) {
    const magic = buf.toString('ascii', off, off + 6)
    if (magic !== '070701') throw new Error(`bad cpio magic at offset ${off}: ${magic}`)
    const f = (i: number) => parseInt(buf.toString('ascii', off + 6 + i * 8, off + 14 + i * 8), 16)
    const [mode, uid, gid, mtime, size, rmaj, rmin, nameSize] = [f(1), f(2), f(3), f(5), f(6), f(9), f(10), f(11)]
    const nameStart = off + 110
    const path = buf.toString('utf8', nameStart, nameStart + nameSize - 1)
    const dataStart = nameStart + nameSize + ((4 - ((110 + nameSize) % 4)) % 4)
    if (path === TRAILER) break
    out.push({path, mode, uid, gid, mtime, data: buf.subarray(dataStart, dataStart + size), rdev: [rmaj, rmin]})
    off = dataStart + size + ((4 - (size % 4)) % 4)
  }
  return out
}
