import {execa} from 'execa'
import {createHash, randomBytes} from 'node:crypto'
import {createReadStream, createWriteStream, existsSync} from 'node:fs'
import {mkdir, open, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {PassThrough, Readable, Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {fileURLToPath} from 'node:url'
import {EnvironmentError} from '../errors.js'
import {findInChecksumsFile, formatChecksum, imageFileName, parseChecksumSpec, type Checksum} from './checksum.js'

/**
 * Manager-side image work: resolving checksum specs (including checksums-file URLs),
 * and turning qcow2 images (which the LiveOS cannot stream to disk) into raw files
 * served by the manager's HTTP server, converted once and cached by source sha256.
 */
export class ChecksumMismatchError extends Error {
  constructor(readonly what: string, readonly expected: Checksum, readonly actual: string) {
    super(`${what}: checksum mismatch: expected ${formatChecksum(expected)}, got ${expected.algo}:${actual}`)
  }
}

async function get(url: string, signal?: AbortSignal, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(url, {signal, headers})
  if (!res.ok && res.status !== 206) throw new Error(`GET ${url}: HTTP ${res.status}`)
  return res
}

/** The body of a URL (http, https or file) as a stream. */
async function openUrl(url: string, signal?: AbortSignal): Promise<Readable> {
  if (url.startsWith('file://')) return createReadStream(fileURLToPath(url))
  const res = await get(url, signal)
  if (!res.body) throw new Error(`GET ${url}: empty body`)
  return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream)
}

export async function fetchText(url: string, signal?: AbortSignal): Promise<string> {
  if (url.startsWith('file://')) return readFile(fileURLToPath(url), 'utf8')
  return (await get(url, signal)).text()
}

/** The checksum an image must have, from a digest or a checksums file listing the image's file name. */
export async function resolveChecksum(spec: string | undefined, imageUrl: string, signal?: AbortSignal): Promise<Checksum | undefined> {
  if (!spec || !spec.trim()) return undefined
  const parsed = parseChecksumSpec(spec)
  if (parsed.kind === 'digest') return parsed.checksum
  const name = imageFileName(imageUrl)
  const text = await fetchText(parsed.url, signal).catch((err: Error) => {
    throw new Error(`cannot fetch the checksums file ${parsed.url}: ${err.message}`)
  })
  const found = findInChecksumsFile(text, name)
  if (!found) throw new Error(`checksums file ${parsed.url} has no sha256/sha512 entry for ${name}`)
  return found
}

const QCOW2_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb])

/** qcow2 by name, else by its magic bytes (a 4-byte range read); unreachable URLs count as not qcow2. */
export async function isQcow2(url: string, signal?: AbortSignal): Promise<boolean> {
  if (new URL(url).pathname.toLowerCase().endsWith('.qcow2')) return true
  try {
    if (url.startsWith('file://')) {
      const fh = await open(fileURLToPath(url))
      try {
        const {buffer, bytesRead} = await fh.read(Buffer.alloc(4), 0, 4, 0)
        return bytesRead === 4 && buffer.equals(QCOW2_MAGIC)
      } finally { await fh.close() }
    }
    const probe = AbortSignal.any([...(signal ? [signal] : []), AbortSignal.timeout(10_000)])
    const res = await get(url, probe, {range: 'bytes=0-3'})
    return (await firstBytes(res, 4)).equals(QCOW2_MAGIC)
  } catch {
    return false
  }
}

/** The first `n` bytes of a body, then the rest is dropped (servers may ignore Range and send it all). */
async function firstBytes(res: Response, n: number): Promise<Buffer> {
  const reader = res.body?.getReader()
  if (!reader) return Buffer.alloc(0)
  let got = Buffer.alloc(0)
  try {
    while (got.length < n) {
      const {done, value} = await reader.read()
      if (done) break
      got = Buffer.concat([got, Buffer.from(value)])
    }
  } finally {
    await reader.cancel().catch(() => {})
  }
  return got.subarray(0, n)
}

export interface CachedRaw {
  /** File name under the images dir: `<sha256 of source>.raw`. */
  file: string
  path: string
  /** sha256 of the raw file (what the LiveOS must read back). */
  rawSha256: string
  cached: boolean
}

function hashing(algo: string, into: {hex?: string}): Transform {
  const h = createHash(algo)
  return new Transform({
    transform(chunk, _enc, cb) { h.update(chunk); cb(null, chunk) },
    flush(cb) { into.hex = h.digest('hex'); cb() },
  })
}

async function sha256File(path: string): Promise<string> {
  const out: {hex?: string} = {}
  await pipeline(createReadStream(path), hashing('sha256', out), async function* (src) { for await (const _ of src) { /* drain */ } })
  return out.hex!
}

function cacheHit(dir: string, key: string): CachedRaw | undefined {
  const path = join(dir, `${key}.raw`)
  if (!existsSync(path) || !existsSync(path + '.sha256')) return undefined
  return {file: `${key}.raw`, path, rawSha256: '', cached: true}
}

/**
 * The raw form of a qcow2 image in `imagesDir`, converting only when no file for the
 * source's sha256 is there yet. With a sha256 checksum known the download is skipped on
 * a hit; a downloaded source is verified against `checksum` (ChecksumMismatchError).
 */
export async function qcow2ToRaw(opts: {url: string; imagesDir: string; checksum?: Checksum; signal?: AbortSignal}): Promise<CachedRaw> {
  const {url, imagesDir: dir, checksum, signal} = opts
  await mkdir(dir, {recursive: true})
  if (checksum?.algo === 'sha256') {
    const hit = cacheHit(dir, checksum.hex)
    if (hit) return {...hit, rawSha256: (await readFile(hit.path + '.sha256', 'utf8')).trim()}
  }
  const tmp = join(dir, `.download-${randomBytes(6).toString('hex')}.qcow2`)
  try {
    const key: {hex?: string} = {}
    const verify: {hex?: string} = {}
    const second = checksum && checksum.algo !== 'sha256' ? hashing(checksum.algo, verify) : new PassThrough()
    await pipeline(await openUrl(url, signal), hashing('sha256', key), second, createWriteStream(tmp), {signal})
    const got = checksum?.algo === 'sha256' ? key.hex! : verify.hex
    if (checksum && got !== checksum.hex) throw new ChecksumMismatchError(`image ${url}`, checksum, got ?? '')
    const hit = cacheHit(dir, key.hex!)
    if (hit) return {...hit, rawSha256: (await readFile(hit.path + '.sha256', 'utf8')).trim()}
    const path = join(dir, `${key.hex}.raw`)
    const part = `${path}.part-${randomBytes(4).toString('hex')}`
    try {
      await execa('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', tmp, part], {cancelSignal: signal})
    } catch (err) {
      await rm(part, {force: true})
      if ((err as {code?: string}).code === 'ENOENT') {
        throw new EnvironmentError('qemu-img not found; it converts qcow2 images to raw', 'install the Debian package qemu-utils (scripts/deps.sh does)')
      }
      throw new Error(`qemu-img convert of ${url} failed: ${((err as {stderr?: string}).stderr ?? (err as Error).message).trim()}`)
    }
    const rawSha256 = await sha256File(part)
    await writeFile(path + '.sha256', rawSha256 + '\n')
    await rename(part, path)
    return {file: `${key.hex}.raw`, path, rawSha256, cached: false}
  } finally {
    await rm(tmp, {force: true})
  }
}
