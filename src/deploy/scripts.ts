import type {Checksum} from './checksum.js'

/**
 * Shell run on the LiveOS over SSH (busybox ash). Kept as pure builders so they can be
 * run against a file and a local HTTP server in tests with the same busybox.
 * Every value interpolated is quoted with `sq`.
 */
export function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}

export type ImageFormat = 'raw' | 'gz' | 'xz' | 'zst'

/** The compression of an image from its URL (what image_write decompresses). */
export function formatFromUrl(url: string): ImageFormat {
  const path = new URL(url).pathname.toLowerCase()
  if (path.endsWith('.gz') || path.endsWith('.tgz')) return 'gz'
  if (path.endsWith('.xz')) return 'xz'
  if (path.endsWith('.zst') || path.endsWith('.zstd')) return 'zst'
  return 'raw'
}

const DECOMPRESS: Record<ImageFormat, string> = {raw: 'cat', gz: 'gzip -dc', xz: 'xz -dc', zst: 'zstd -dc'}

export interface ImageWriteScript {
  url: string
  device: string
  format: ImageFormat
  checksum?: Checksum
}

/**
 * Streams the image from `url` straight to `device`: the source is hashed as it passes
 * (against the published checksum), the decompressed stream is hashed and counted, and
 * after a sync the same number of bytes is read back from the disk and hashed again.
 * Prints `progress <bytes written>` every 2 s and a final `result key=value …` line.
 */
export function imageWriteScript(o: ImageWriteScript): string {
  const algo = o.checksum?.algo ?? 'sha256'
  return `set -eu
set -o pipefail
D=${sq(o.device)}; URL=${sq(o.url)}; W=$(mktemp -d /tmp/bmpctl-image.XXXXXX)
mkfifo "$W/src" "$W/raw" "$W/cnt"
${algo}sum < "$W/src" > "$W/src.sum" & S1=$!
tee "$W/cnt" < "$W/raw" | ${algo}sum > "$W/raw.sum" & S2=$!
wc -c < "$W/cnt" > "$W/raw.bytes" & S3=$!
( while [ ! -e "$W/done" ]; do sleep 2; p=$(pidof dd 2>/dev/null | cut -d' ' -f1) || continue
    [ -n "$p" ] && sed -n 's/^wchar: /progress /p' "/proc/$p/io" 2>/dev/null || true; done ) & PP=$!
trap 'touch "$W/done"; kill $PP 2>/dev/null || true; rm -rf "$W"' EXIT
wget -q -O - "$URL" | tee "$W/src" | ${DECOMPRESS[o.format]} | tee "$W/raw" | dd of="$D" bs=1M conv=fsync 2> "$W/dd.err"
wait $S1 $S2 $S3
BYTES=$(tr -d ' ' < "$W/raw.bytes")
sync; blockdev --flushbufs "$D" 2>/dev/null || true
echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
DISK=$(head -c "$BYTES" "$D" | ${algo}sum | cut -d' ' -f1)
blockdev --rereadpt "$D" 2>/dev/null || true
echo "result bytes=$BYTES source=$(cut -d' ' -f1 "$W/src.sum") raw=$(cut -d' ' -f1 "$W/raw.sum") disk=$DISK"
`
}

export interface ImageWriteResult {
  bytes: number
  source: string
  raw: string
  disk: string
}

export function parseImageWriteResult(stdout: string): ImageWriteResult | undefined {
  const line = stdout.split('\n').reverse().find((l) => l.startsWith('result '))
  if (!line) return undefined
  const kv = Object.fromEntries(line.slice(7).trim().split(/\s+/).map((p) => p.split('=') as [string, string]))
  const bytes = Number(kv.bytes)
  if (!Number.isFinite(bytes) || !kv.source || !kv.raw || !kv.disk) return undefined
  return {bytes, source: kv.source, raw: kv.raw, disk: kv.disk}
}

/** Last `progress N` in a chunk of output, if any. */
export function parseProgress(chunk: string): number | undefined {
  const all = [...chunk.matchAll(/^progress (\d+)$/gm)]
  return all.length ? Number(all[all.length - 1][1]) : undefined
}

/**
 * Wipes metadata so no old partition table, RAID or filesystem signature survives:
 * the first and last MiB of every partition and of the disk (GPT keeps a backup at
 * the end). `full` zeroes the whole disk.
 */
export function diskWipeScript(device: string, mode: 'metadata' | 'full'): string {
  if (mode === 'full') {
    return `set -eu\nD=${sq(device)}\ndd if=/dev/zero of="$D" bs=4M conv=fsync 2>/dev/null || true\nsync\nblockdev --rereadpt "$D" 2>/dev/null || true\necho wiped full\n`
  }
  return `set -eu
D=${sq(device)}; N=$(basename "$D")
zero_ends() { s=$(blockdev --getsize64 "$1"); m=1048576; [ "$s" -lt $((2*m)) ] && m=$((s/2))
  dd if=/dev/zero of="$1" bs=$m count=1 conv=fsync 2>/dev/null
  dd if=/dev/zero of="$1" bs=$m count=1 seek=$(( s/m - 1 )) conv=fsync 2>/dev/null; }
for p in /sys/block/$N/$N*; do [ -e "$p" ] && zero_ends "/dev/$(basename "$p")"; done
zero_ends "$D"
sync; blockdev --rereadpt "$D" 2>/dev/null || true
echo wiped metadata
`
}

/** Size in bytes, partitions and table type of a disk, for checks before and after writing. */
export function diskInfoScript(device: string): string {
  return `D=${sq(device)}; echo "size=$(blockdev --getsize64 "$D")"; echo "ssz=$(blockdev --getss "$D")"`
}
