import {spawn} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
import {EnvironmentError} from '../errors.js'
import {silentLogger, type Logger} from '../log.js'
import {writeCpio} from './cpio.js'
import {agentAssetsDir, findKernel, pickCompressor, whichSystem, type Compressor} from './inputs.js'
import {liveOsLayout} from './layout.js'

/** Bump when the layout or build recipe changes in a way file contents do not show. */
const RECIPE_VERSION = 'liveos-1'
/** Above this the initrd is slow to fetch over PXE networks; the build warns. */
export const LIVEOS_SIZE_TARGET = 40 * 1024 * 1024

export interface BuildLiveOsOptions {
  outDir: string
  /** Where finished builds are kept by input key (default: <outDir>/.cache). */
  cacheDir?: string
  log?: Logger
  /** Kernel version under /boot (default: newest installed). */
  kernelVersion?: string
}

export interface LiveOsBuild {
  kernel: string
  initrd: string
  /** sha256 of initrd.img */
  sha256: string
  /** True when an earlier build with the same inputs was reused. */
  reused: boolean
  /** initrd.img size */
  sizeBytes: number
  kernelVersion: string
}

interface CacheRecord {
  key: string
  sha256: string
  sizeBytes: number
  kernelVersion: string
  compressor: Compressor
}

function sha256(...parts: (Buffer | string)[]): string {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest('hex')
}

/** Writes via a temp name + rename so readers never see a half-written file. */
function writeAtomic(path: string, data: Buffer | string): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    writeFileSync(tmp, data)
    renameSync(tmp, path)
  } catch (err) {
    rmSync(tmp, {force: true})
    throw err
  }
}

function copyAtomic(from: string, to: string): void {
  const tmp = `${to}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    copyFileSync(from, tmp)
    renameSync(tmp, to)
  } catch (err) {
    rmSync(tmp, {force: true})
    throw err
  }
}

function pipeThrough(cmd: string, args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {stdio: ['pipe', 'pipe', 'pipe']})
    const out: Buffer[] = []
    let err = ''
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${cmd} exited ${code}: ${err.trim()}`))))
    child.stdin.on('error', () => { /* reported through close */ })
    child.stdin.end(input)
  })
}

/** Fixed compressor settings (part of the cache key): output depends on input only. */
const COMPRESS_ARGS: Record<Compressor, string[]> = {
  zstd: ['-q', '-12', '-T1', '-c', '-'],
  // The kernel's xz decoder only accepts CRC32 checks.
  xz: ['-q', '-9', '-T1', '--check=crc32', '-c', '-'],
  gzip: ['level=9'],
}

async function compress(archive: Buffer, how: Compressor): Promise<Buffer> {
  return how === 'gzip' ? gzipSync(archive, {level: 9}) : pipeThrough(how, COMPRESS_ARGS[how], archive)
}

/** Identifies the compressor build: a different zstd/xz may produce different bytes. */
function compressorVersion(how: Compressor): string {
  if (how === 'gzip') return `node-zlib-${process.versions.zlib}`
  const bin = whichSystem(how)
  return bin ? sha256(readFileSync(bin)) : how
}

function readCache(dir: string, key: string): CacheRecord | undefined {
  const rec = join(dir, `${key}.json`), img = join(dir, `${key}.initrd`)
  if (!existsSync(rec) || !existsSync(img)) return undefined
  try {
    const parsed = JSON.parse(readFileSync(rec, 'utf8')) as CacheRecord
    return parsed.key === key && statSync(img).size === parsed.sizeBytes ? parsed : undefined
  } catch {
    return undefined
  }
}

/**
 * Builds (or reuses) the LiveOS kernel + initramfs into outDir as vmlinuz / initrd.img.
 * The cache key covers every input byte (binaries, libraries, modules, scripts, kernel,
 * compressor), so an unchanged host reuses the last build.
 */
export async function buildLiveOs(opts: BuildLiveOsOptions): Promise<LiveOsBuild> {
  const log = opts.log ?? silentLogger
  const kernel = findKernel(opts.kernelVersion)
  const has = (cmd: string) => whichSystem(cmd) !== undefined
  const compressor = pickCompressor(kernel.config ? readFileSync(kernel.config, 'utf8') : undefined, has)
  const layout = liveOsLayout(kernel, agentAssetsDir())
  for (const note of layout.notes) log.info(note)
  const archive = writeCpio(layout.entries)
  const kernelImage = readFileSync(kernel.image)
  const key = sha256(RECIPE_VERSION, '\0', kernel.version, '\0', sha256(kernelImage), '\0', compressor, compressorVersion(compressor), COMPRESS_ARGS[compressor].join(' '), '\0', archive)

  const cacheDir = opts.cacheDir ?? join(opts.outDir, '.cache')
  mkdirSync(cacheDir, {recursive: true})
  mkdirSync(opts.outDir, {recursive: true})
  let record = readCache(cacheDir, key)
  const reused = record !== undefined
  if (!record) {
    log.info('building LiveOS initramfs', {kernel: kernel.version, compressor, entries: layout.entries.length, rawBytes: archive.length})
    const image = await compress(archive, compressor).catch((err: Error) => {
      throw new EnvironmentError(`compressing the LiveOS initramfs with ${compressor} failed: ${err.message}`)
    })
    record = {key, sha256: sha256(image), sizeBytes: image.length, kernelVersion: kernel.version, compressor}
    writeAtomic(join(cacheDir, `${key}.initrd`), image)
    writeAtomic(join(cacheDir, `${key}.json`), JSON.stringify(record, null, 2) + '\n')
  }
  if (record.sizeBytes > LIVEOS_SIZE_TARGET) log.warn('LiveOS initramfs is larger than the 40 MB target', {sizeBytes: record.sizeBytes})

  const kernelOut = join(opts.outDir, 'vmlinuz'), initrdOut = join(opts.outDir, 'initrd.img')
  copyAtomic(kernel.image, kernelOut)
  copyAtomic(join(cacheDir, `${key}.initrd`), initrdOut)
  writeAtomic(join(opts.outDir, 'liveos.json'), JSON.stringify({...record, builtFrom: layout.binaries}, null, 2) + '\n')
  log.info(reused ? 'LiveOS reused from cache' : 'LiveOS built', {sha256: record.sha256, sizeBytes: record.sizeBytes})
  return {kernel: kernelOut, initrd: initrdOut, sha256: record.sha256, reused, sizeBytes: record.sizeBytes, kernelVersion: kernel.version}
}
