/**
 * Picks the disk to install on from hints, like Ironic's root device hints: every hint
 * given must match; among the matches the smallest disk wins (the usual OS disk on a
 * server with data disks). Disks under 4 GiB are never picked unless a hint names them (name, serial, wwn).
 */
export interface Disk {
  name: string
  sizeBytes: number
  model?: string
  serial?: string
  wwn?: string
  rotational?: boolean
  vendor?: string
}

export interface RootDeviceHints {
  name?: string
  /** Exact size in GiB, or a comparison like `>= 100` (GiB). */
  size?: number | string
  model?: string
  serial?: string
  wwn?: string
  vendor?: string
  rotational?: boolean
}

const GIB = 1024 ** 3
export const MIN_ROOT_BYTES = 4 * GIB

export function chooseRootDevice(disks: Disk[], hints: RootDeviceHints = {}): {disk?: Disk; reason: string} {
  const active = Object.entries(hints).filter(([, v]) => v !== undefined && v !== '')
  const candidates = disks.filter((d) => active.every(([k, v]) => matches(d, k as keyof RootDeviceHints, v)))
  // Disks under 4 GiB (USB sticks, IPMI virtual media) are skipped unless pinned by identity.
  const pinned = active.some(([k]) => k === 'name' || k === 'serial' || k === 'wwn')
  const eligible = pinned ? candidates : candidates.filter((d) => d.sizeBytes >= MIN_ROOT_BYTES)
  const disk = [...eligible].sort((a, b) => a.sizeBytes - b.sizeBytes || a.name.localeCompare(b.name))[0]
  if (disk) return {disk, reason: active.length ? `matches ${describe(active)}` : 'smallest disk of at least 4 GiB'}
  const seen = disks.map((d) => `${d.name} (${(d.sizeBytes / GIB).toFixed(1)} GiB${d.model ? ', ' + d.model : ''})`).join(', ')
  const what = active.length ? `matches ${describe(active)}${pinned ? '' : ' with at least 4 GiB'}` : 'of at least 4 GiB'
  return {reason: `no disk ${what}; disks seen: ${seen || 'none'}`}
}

function describe(active: [string, unknown][]): string {
  return active.map(([k, v]) => `${k}=${String(v)}`).join(', ')
}

function matches(d: Disk, key: keyof RootDeviceHints, want: unknown): boolean {
  switch (key) {
    case 'name':
      return d.name === String(want).replace(/^\/dev\//, '')
    case 'size':
      return sizeMatches(d.sizeBytes, want as number | string)
    case 'rotational':
      return d.rotational === toBool(want)
    case 'model':
    case 'serial':
    case 'wwn':
    case 'vendor':
      return (d[key] ?? '').trim().toLowerCase() === String(want).trim().toLowerCase()
    default:
      throw new Error(`unknown root device hint ${JSON.stringify(key)} (known: name, size, model, serial, wwn, vendor, rotational)`)
  }
}

function sizeMatches(bytes: number, want: number | string): boolean {
  const gib = Math.floor(bytes / GIB)
  const m = /^\s*(<=|>=|==|<|>|=)?\s*(\d+)\s*$/.exec(String(want))
  if (!m) throw new Error(`root device hint size ${JSON.stringify(want)} is not a number of GiB or a comparison like ">= 100"`)
  const n = Number(m[2])
  switch (m[1]) {
    case '<=': return gib <= n
    case '>=': return gib >= n
    case '<': return gib < n
    case '>': return gib > n
    default: return gib === n
  }
}

function toBool(v: unknown): boolean {
  return v === true || ['true', 'yes', '1', 'on'].includes(String(v).toLowerCase())
}
