import {sq} from './scripts.js'

/**
 * The config drive partition, appended at the end of the disk after the image is written
 * (like Ironic): the plan is computed here from `sfdisk -J`, the shell that applies it
 * runs on the LiveOS (util-linux sfdisk + busybox).
 */
export interface SfdiskPartition {
  node: string
  start: number
  size: number
  type: string
}

export interface SfdiskTable {
  label: 'dos' | 'gpt'
  device: string
  sectorSize: number
  /** Last sector a partition may use (GPT: before the backup table). */
  lastLba?: number
  firstLba?: number
  partitions: SfdiskPartition[]
}

export const CONFIG_DRIVE_BYTES = 64 * 1024 * 1024
const MIB = 1024 * 1024
const GPT_LINUX = '0FC63DAF-8483-4772-8E79-3D69D8477DE4'

/** `sfdisk -J` output → table; undefined when the disk has no partition table. */
export function parseSfdiskJson(text: string): SfdiskTable | undefined {
  const t = text.trim()
  if (!t) return undefined
  const pt = (JSON.parse(t) as {partitiontable?: Record<string, unknown>}).partitiontable
  if (!pt) return undefined
  const label = pt.label
  if (label !== 'dos' && label !== 'gpt') throw new Error(`partition table type ${JSON.stringify(label)} is not supported (dos or gpt)`)
  const parts = (pt.partitions as Record<string, unknown>[] | undefined) ?? []
  return {
    label, device: String(pt.device), sectorSize: Number(pt.sectorsize ?? 512),
    lastLba: pt.lastlba === undefined ? undefined : Number(pt.lastlba),
    firstLba: pt.firstlba === undefined ? undefined : Number(pt.firstlba),
    partitions: parts.map((p) => ({node: String(p.node), start: Number(p.start), size: Number(p.size), type: String(p.type)})),
  }
}

export interface PartitionPlan {
  /** In sectors. */
  start: number
  size: number
  type: string
}

/**
 * Where the config drive goes: the last 64 MiB of the disk (1 MiB aligned), less when
 * only less is free after the last partition, but never less than the ISO.
 */
export function planConfigDrive(table: SfdiskTable, diskBytes: number, isoBytes: number): {plan?: PartitionPlan; reason: string} {
  const ss = table.sectorSize
  const align = MIB / ss
  if (table.label === 'dos') {
    if (table.partitions.length >= 4) return {reason: 'the MBR already has 4 partitions; no room for a config drive partition'}
    if (table.partitions.some((p) => ['5', 'f', '85'].includes(p.type.toLowerCase()))) {
      return {reason: 'the MBR has an extended partition; appending a config drive is not supported there'}
    }
  }
  const lastUsable = table.label === 'gpt' ? table.lastLba ?? Math.floor(diskBytes / ss) - 34 : Math.floor(diskBytes / ss) - 1
  const used = Math.max(table.firstLba ?? align, ...table.partitions.map((p) => p.start + p.size))
  const free = lastUsable + 1 - Math.ceil(used / align) * align
  const need = Math.ceil(isoBytes / MIB) * align
  if (free < need) {
    return {reason: `only ${Math.max(0, free) * ss} bytes are free after the last partition; the config drive needs ${need * ss}`}
  }
  const want = Math.min(CONFIG_DRIVE_BYTES / ss, free)
  const start = Math.floor((lastUsable + 1 - want) / align) * align
  const size = lastUsable + 1 - start
  const type = table.label === 'gpt' ? GPT_LINUX : '83'
  return {plan: {start, size, type}, reason: `${size * ss} bytes at sector ${start}`}
}

/** Prints `size=<bytes>` then the `sfdisk -J` table (nothing when there is none). */
export function readTableScript(device: string): string {
  return `D=${sq(device)}
command -v sfdisk >/dev/null || { echo "sfdisk is not in the LiveOS (rebuild it with util-linux installed)" >&2; exit 127; }
echo "size=$(blockdev --getsize64 "$D")"
sfdisk -J "$D" 2>/dev/null || true
`
}

export function parseTableOutput(out: string): {diskBytes: number; table?: SfdiskTable} {
  const m = /^size=(\d+)$/m.exec(out)
  if (!m) throw new Error(`no disk size in: ${out.slice(0, 200)}`)
  return {diskBytes: Number(m[1]), table: parseSfdiskJson(out.slice(out.indexOf('\n', m.index) + 1))}
}

/** Moves a GPT backup table left at the image's end to the disk's end (frees the tail). */
export function relocateGptScript(device: string): string {
  return `sfdisk --relocate gpt-bak-std ${sq(device)}\n`
}

/**
 * Appends the planned partition, re-reads the table and prints `part=/dev/<node>`:
 * the partition whose sysfs start is the planned one (sda3, nvme0n1p3, loop0p3 alike).
 */
export function appendPartitionScript(device: string, plan: PartitionPlan): string {
  return `set -eu
D=${sq(device)}; N=$(basename "$D")
echo 'start=${plan.start}, size=${plan.size}, type=${plan.type}' | sfdisk --append --no-reread --no-tell-kernel "$D" >/dev/null
sync
blockdev --rereadpt "$D" 2>/dev/null || true
i=0
while [ $i -lt 50 ]; do
  for p in /sys/block/$N/$N*; do
    [ -e "$p/start" ] || continue
    if [ "$(cat "$p/start")" = ${plan.start} ] && [ -b "/dev/$(basename "$p")" ]; then echo "part=/dev/$(basename "$p")"; exit 0; fi
  done
  # Some block drivers (loop without extended minors) ignore a re-read; partx adds the new one itself.
  [ $i = 5 ] && { partx -a "$D" 2>/dev/null || true; }
  i=$((i+1)); sleep 0.1
done
echo "the new partition at sector ${plan.start} of $D did not appear" >&2
exit 1
`
}

/** Writes stdin (the ISO, `bytes` long) to the partition and prints `sha256=<hex>` of what reads back. */
export function writeIsoScript(part: string, bytes: number): string {
  return `set -eu
P=${sq(part)}
dd of="$P" bs=1M conv=fsync 2>/dev/null
sync; blockdev --flushbufs "$P" 2>/dev/null || true
echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
echo "sha256=$(head -c ${bytes} "$P" | sha256sum | cut -d' ' -f1)"
`
}
