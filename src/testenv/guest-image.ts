import {createHash, randomBytes} from 'node:crypto'
import {closeSync, createReadStream, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, truncateSync, writeFileSync, writeSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {gzipSync} from 'node:zlib'
import {execa} from 'execa'
import {EnvironmentError, InputError} from '../errors.js'
import {silentLogger, type Logger} from '../log.js'
import {writeCpio} from '../liveos/cpio.js'
import {findKernel, whichSystem} from '../liveos/inputs.js'
import {guestAssetsDir, guestLayout} from './guest-layout.js'

/**
 * The lab's guest test image: a raw MBR disk whose one FAT partition boots SYSLINUX →
 * Debian kernel → a small initramfs that reads the config drive (guest/init.sh). It stands
 * in for a cloud image. Hybrid: BIOS boots the MBR code + SYSLINUX's boot sector, UEFI the
 * removable-media path EFI/BOOT/BOOTX64.EFI (SYSLINUX's EFI loader) on the same partition.
 * Built without loop mounts (mtools + syslinux on image files), and reproducibly: equal
 * inputs give equal bytes, so concurrent builds agree on the checksum.
 */

/** Bump when the recipe changes in a way the inputs do not show. */
const RECIPE_VERSION = 'guest-image-3'
const MIB = 1024 * 1024
/** The partition starts at 1 MiB, as partitioners align it. */
const PART_START_SECTOR = 2048
export const MBR_CODE = '/usr/lib/syslinux/mbr/mbr.bin'
/** SYSLINUX's x86-64 EFI loader and its core module (Debian package syslinux-efi). */
export const EFI_LOADER = '/usr/lib/SYSLINUX.EFI/efi64/syslinux.efi'
export const EFI_CORE = '/usr/lib/syslinux/modules/efi64/ldlinux.e64'
/** Where UEFI firmware looks on removable media (and on disks without boot entries). */
export const EFI_BOOT_PATH = 'EFI/BOOT/BOOTX64.EFI'

export interface BuildGuestImageOptions {
  /** Path of the raw disk image to write. */
  out: string
  sizeMiB?: number
  log?: Logger
  kernelVersion?: string
}

export interface GuestImage {
  path: string
  sha256: string
  sizeBytes: number
  /** True when an image built from the same inputs was kept. */
  reused: boolean
}

interface Record_ {
  key: string
  sha256: string
  sizeBytes: number
}

const SYSLINUX_CFG = [
  'SERIAL 0 115200',
  'DEFAULT guest',
  'PROMPT 0',
  'TIMEOUT 0',
  'LABEL guest',
  // Absolute: the BIOS loader reads this file at the root, the EFI one in EFI/BOOT/.
  '  KERNEL /vmlinuz',
  '  INITRD /initrd.img',
  '  APPEND console=ttyS0,115200 panic=10',
  '',
].join('\n')

function sha256(...parts: (Buffer | string)[]): string {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest('hex')
}

/** A cache-key part for an input file ('' when missing: the build then names it). */
function fileDigest(path: string): string {
  return '\0' + (existsSync(path) ? sha256(readFileSync(path)) : '')
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256')
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer)
  return h.digest('hex')
}

function requireTool(cmd: string, pkg: string): string {
  const p = whichSystem(cmd)
  if (!p) throw new EnvironmentError(`${cmd} not found; it builds the guest test image`, `install ${pkg} (scripts/deps.sh)`)
  return p
}

async function run(cmd: string, args: string[], input?: string): Promise<void> {
  try {
    // SOURCE_DATE_EPOCH: mtools stamps this time instead of now, so equal inputs give equal bytes.
    await execa(cmd, args, {input, env: {SOURCE_DATE_EPOCH: '946684800'}, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']})
  } catch (err) {
    const e = err as {stderr?: string; shortMessage?: string; message: string}
    throw new EnvironmentError(`${cmd} ${args.join(' ')} failed: ${(e.stderr || e.shortMessage || e.message).trim()}`)
  }
}

/** Copies `from` into `to` at byte `offset`, skipping all-zero blocks so `to` stays sparse. */
function copySparse(from: string, to: string, offset: number): void {
  const src = openSync(from, 'r'), dst = openSync(to, 'r+')
  const buf = Buffer.alloc(64 * 1024)
  try {
    for (let pos = 0; ;) {
      const n = readSync(src, buf, 0, buf.length, pos)
      if (n === 0) break
      const chunk = buf.subarray(0, n)
      if (chunk.some((b) => b !== 0)) writeSync(dst, chunk, 0, n, offset + pos)
      pos += n
    }
  } finally {
    closeSync(src)
    closeSync(dst)
  }
}

function requireFile(path: string, pkg: string): string {
  if (!existsSync(path)) throw new EnvironmentError(`${path} not found; it builds the guest test image`, `install ${pkg} (scripts/deps.sh)`)
  return path
}

/** Adds the UEFI removable-media loader: SYSLINUX's EFI binary, its core and config. */
async function addEfiLoader(part: string, cfg: string): Promise<void> {
  const dir = dirname(EFI_BOOT_PATH)
  await run('mmd', ['-i', part, '::/EFI', `::/${dir}`])
  await run('mcopy', ['-i', part, '-o', requireFile(EFI_LOADER, 'syslinux-efi'), `::/${EFI_BOOT_PATH}`])
  await run('mcopy', ['-i', part, '-o', requireFile(EFI_CORE, 'syslinux-efi'), `::/${dir}/LDLINUX.E64`])
  await run('mcopy', ['-i', part, '-o', cfg, `::/${dir}/SYSLINUX.CFG`])
}

/** Assembles the disk in `work`: FAT partition image → syslinux (BIOS + EFI) → MBR disk. */
async function assemble(work: string, sizeMiB: number, kernelImage: string, initrd: Buffer): Promise<string> {
  for (const [cmd, pkg] of [['mformat', 'mtools'], ['mcopy', 'mtools'], ['mmd', 'mtools'], ['syslinux', 'syslinux'], ['sfdisk', 'fdisk']]) requireTool(cmd, pkg)
  requireFile(MBR_CODE, 'syslinux-common')
  const part = join(work, 'part.img'), disk = join(work, 'disk.raw')
  writeFileSync(join(work, 'initrd.img'), initrd)
  writeFileSync(join(work, 'syslinux.cfg'), SYSLINUX_CFG)
  writeFileSync(part, '')
  truncateSync(part, (sizeMiB - 1) * MIB)
  // mformat (not mkfs.vfat) honours SOURCE_DATE_EPOCH. Fixed serial; hidden sectors =
  // partition start, which SYSLINUX's boot sector adds to find itself on the disk.
  await run('mformat', ['-i', part, '-F', '-v', 'GUESTBOOT', '-N', '0b3d6e57', '-H', String(PART_START_SECTOR),
    '-T', String((sizeMiB - 1) * 2048), '-h', '64', '-s', '32', '::'])
  await run('mcopy', ['-i', part, '-o', kernelImage, '::/vmlinuz'])
  await run('mcopy', ['-i', part, '-o', join(work, 'initrd.img'), join(work, 'syslinux.cfg'), '::/'])
  await addEfiLoader(part, join(work, 'syslinux.cfg'))
  await run('syslinux', ['--install', part])
  writeFileSync(disk, '')
  truncateSync(disk, sizeMiB * MIB)
  await run('sfdisk', ['--no-reread', '--no-tell-kernel', '--quiet', disk],
    `label: dos\nlabel-id: 0x0b3d6e57\nstart=${PART_START_SECTOR}, type=c, bootable\n`)
  copySparse(part, disk, PART_START_SECTOR * 512)
  // Boot code only: the first 440 bytes, before the disk signature and partition table.
  const fd = openSync(disk, 'r+')
  try { writeSync(fd, readFileSync(MBR_CODE).subarray(0, 440), 0, 440, 0) } finally { closeSync(fd) }
  return disk
}

function readRecord(out: string, key: string): Record_ | undefined {
  try {
    const rec = JSON.parse(readFileSync(`${out}.json`, 'utf8')) as Record_
    return rec.key === key && statSync(out).size === rec.sizeBytes ? rec : undefined
  } catch {
    return undefined
  }
}

/** Builds the guest image at `out`, or keeps the one there when its inputs are unchanged. */
export async function buildGuestImage(opts: BuildGuestImageOptions): Promise<GuestImage> {
  const log = opts.log ?? silentLogger
  const sizeMiB = opts.sizeMiB ?? 256
  if (!Number.isInteger(sizeMiB) || sizeMiB < 48 || sizeMiB > 64 * 1024) {
    throw new InputError(`guest image size must be an integer number of MiB between 48 and 65536, got ${sizeMiB}`)
  }
  const kernel = findKernel(opts.kernelVersion)
  const layout = guestLayout(kernel, guestAssetsDir())
  for (const note of layout.notes) log.info(note)
  const initrd = gzipSync(writeCpio(layout.entries), {level: 9})
  const syslinuxBin = requireTool('syslinux', 'syslinux')
  const key = sha256(RECIPE_VERSION, '\0', String(sizeMiB), '\0', sha256(readFileSync(kernel.image)), '\0', sha256(initrd), '\0',
    SYSLINUX_CFG, '\0', sha256(readFileSync(syslinuxBin)), ...[MBR_CODE, EFI_LOADER, EFI_CORE].map(fileDigest))
  const kept = readRecord(opts.out, key)
  if (kept) {
    log.info('guest image unchanged; kept', {path: opts.out, sha256: kept.sha256})
    return {path: opts.out, sha256: kept.sha256, sizeBytes: kept.sizeBytes, reused: true}
  }
  log.info('building guest image', {path: opts.out, sizeMiB, kernel: kernel.version, initrdBytes: initrd.length})
  mkdirSync(dirname(opts.out), {recursive: true})
  const work = mkdtempSync(join(tmpdir(), 'bmpctl-guest-'))
  try {
    const disk = await assemble(work, sizeMiB, kernel.image, initrd)
    const record: Record_ = {key, sha256: await sha256File(disk), sizeBytes: statSync(disk).size}
    const tmp = `${opts.out}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
    // Same filesystem as `out` for an atomic rename; the work dir may be elsewhere.
    try {
      copySparseNew(disk, tmp, record.sizeBytes)
      renameSync(tmp, opts.out)
    } catch (err) {
      rmSync(tmp, {force: true})
      throw err
    }
    writeFileSync(`${opts.out}.json`, JSON.stringify(record, null, 2) + '\n')
    log.info('guest image built', {path: opts.out, sha256: record.sha256, sizeBytes: record.sizeBytes})
    return {path: opts.out, sha256: record.sha256, sizeBytes: record.sizeBytes, reused: false}
  } finally {
    rmSync(work, {recursive: true, force: true})
  }
}

function copySparseNew(from: string, to: string, size: number): void {
  writeFileSync(to, '')
  truncateSync(to, size)
  copySparse(from, to, 0)
}
