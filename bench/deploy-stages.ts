/**
 * Deploy benchmark, pure part: one node's event log (`bmpctl events NODE --json`) → the
 * boundaries of its boot chain → stage durations, and which of them a deploy cannot avoid.
 */

export interface BenchEvent {
  ts: string
  kind: string
  message: string
  data?: Record<string, unknown>
}

/** Boundaries, in chain order; each is looked for after the one before it. */
export const MARKS = ['powerOn', 'dhcp', 'script', 'kernel', 'callback', 'wiped', 'image', 'configdrive', 'reboot', 'ssh'] as const
/** Split points found afterwards: imageFetched (the LiveOS's image download ended: stream vs
 * read-back) and guestUp (the guest's console says it is up; from the console, not events). */
export type Mark = (typeof MARKS)[number] | 'imageFetched' | 'guestUp'

export interface Stage {
  id: string
  label: string
  from: Mark | 'start'
  to: Mark | 'end'
  /** Time the deploy cannot avoid (firmware, LiveOS kernel boot, image transfer, guest boot). */
  unavoidable: boolean
}

export const STAGES: readonly Stage[] = [
  {id: 'pre', label: 'start → power-on (CLI start, state, PXE config, boot device, power)', from: 'start', to: 'powerOn', unavoidable: false},
  {id: 'firmware', label: 'power-on → first DHCP (firmware, iPXE ROM)', from: 'powerOn', to: 'dhcp', unavoidable: true},
  // iPXE's own network set-up after its DHCP: as long in the VMs-only baseline without bmpctl.
  {id: 'ipxe', label: 'first DHCP → iPXE script fetched (iPXE set-up)', from: 'dhcp', to: 'script', unavoidable: true},
  {id: 'fetch', label: 'iPXE script → kernel + initrd fetched', from: 'script', to: 'kernel', unavoidable: false},
  {id: 'liveos', label: 'kernel fetched → LiveOS call-back (LiveOS boot)', from: 'kernel', to: 'callback', unavoidable: true},
  {id: 'wipe', label: 'call-back → disk wiped (poll, SSH, root device, wipe)', from: 'callback', to: 'wiped', unavoidable: false},
  {id: 'image', label: 'disk wiped → image downloaded (streamed to disk, checksum in flight)', from: 'wiped', to: 'imageFetched', unavoidable: true},
  {id: 'readback', label: 'image downloaded → image written (read-back verify)', from: 'imageFetched', to: 'image', unavoidable: true},
  {id: 'configdrive', label: 'image written → config drive written', from: 'image', to: 'configdrive', unavoidable: false},
  {id: 'reboot', label: 'config drive → reboot (PXE local, boot device, reset)', from: 'configdrive', to: 'reboot', unavoidable: false},
  {id: 'guest', label: 'reboot → guest console says up (guest boot)', from: 'reboot', to: 'guestUp', unavoidable: true},
  {id: 'sshwait', label: 'guest up → SSH answered (dropbear start, wait_for_ssh retry interval)', from: 'guestUp', to: 'ssh', unavoidable: false},
  {id: 'tail', label: 'SSH answered → deploy command exits (includes waiting for slower nodes)', from: 'ssh', to: 'end', unavoidable: false},
]

const ok = (e: BenchEvent) => e.data?.ok !== false && e.data?.error === undefined
const isKernelFetch = (e: BenchEvent) => e.kind === 'http.fetch' && /liveos\/(vmlinuz|initrd)/.test(`${e.message} ${String(e.data?.path ?? '')}`)

const FIND: Record<(typeof MARKS)[number], (e: BenchEvent) => boolean> = {
  powerOn: (e) => e.kind === 'bmc.power-set' && ok(e),
  dhcp: (e) => e.kind === 'dhcp.discover',
  script: (e) => e.kind === 'http.boot-script' && e.data?.mode === 'liveos',
  kernel: isKernelFetch,
  callback: (e) => e.kind === 'callback',
  wiped: (e) => e.kind === 'deploy.disk_wipe' && ok(e),
  image: (e) => e.kind === 'deploy.image_write' && ok(e),
  configdrive: (e) => e.kind === 'deploy.configdrive' && ok(e),
  reboot: (e) => e.kind === 'bmc.power-set' && ok(e),
  ssh: (e) => e.kind === 'deploy.wait_for_ssh' && ok(e),
}

export type Marks = Partial<Record<Mark, number>>

/** Epoch ms of each boundary among events at or after `sinceMs`; kernel = the later of vmlinuz/initrd.
 * guestUp: the console time when it lies between reboot and SSH, else (not seen) the SSH time. */
export function findMarks(events: BenchEvent[], sinceMs: number, guestUpMs?: number): Marks {
  const list = events.map((e) => ({e, t: Date.parse(e.ts)})).filter((x) => x.t >= sinceMs)
  const marks: Marks = {}
  let from = 0
  for (const m of MARKS) {
    const i = list.findIndex((x, k) => k >= from && FIND[m](x.e))
    if (i < 0) break
    marks[m] = list[i].t
    from = i + 1
    // Both LiveOS files: the kernel stage ends when the second of them has arrived.
    if (m === 'kernel' && i + 1 < list.length && isKernelFetch(list[i + 1].e)) (marks[m] = list[i + 1].t, from = i + 2)
  }
  if (marks.image !== undefined) {
    const fetched = list.find((x) => x.t >= marks.wiped! && x.t <= marks.image! && x.e.kind === 'http.fetch' && /\/images\//.test(x.e.message))
    marks.imageFetched = fetched?.t ?? marks.image
  }
  if (marks.ssh !== undefined) {
    const seen = guestUpMs !== undefined && guestUpMs >= marks.reboot! && guestUpMs <= marks.ssh
    marks.guestUp = seen ? guestUpMs : marks.ssh
  }
  return marks
}

export interface NodeBreakdown {
  node: string
  /** ms per stage id; undefined when a boundary was not seen. */
  stages: Record<string, number | undefined>
  totalMs: number
  unavoidableMs: number
  complete: boolean
}

/** Stage durations of one node between the deploy's start and end (epoch ms). */
export function breakdown(node: string, marks: Marks, startMs: number, endMs: number): NodeBreakdown {
  const at = (m: Mark | 'start' | 'end') => m === 'start' ? startMs : m === 'end' ? endMs : marks[m]
  const stages: Record<string, number | undefined> = {}
  let unavoidableMs = 0
  for (const s of STAGES) {
    const a = at(s.from)
    const b = at(s.to)
    stages[s.id] = a !== undefined && b !== undefined ? b - a : undefined
    if (s.unavoidable) unavoidableMs += stages[s.id] ?? 0
  }
  return {node, stages, totalMs: endMs - startMs, unavoidableMs, complete: MARKS.every((m) => marks[m] !== undefined)}
}

export function median(xs: number[]): number | undefined {
  if (!xs.length) return undefined
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export interface Overhead {
  wallMs: number
  /** The node whose SSH answered last: the one that sets the wall time. */
  critical: string
  unavoidableMs: number
  overheadMs: number
  pct: number
  /** Also counting the iPXE set-up wait (first DHCP → script) as bmpctl's. */
  strictOverheadMs: number
  strictPct: number
}

/** bmpctl overhead = wall time − the unavoidable stages of the node on the critical path. */
export function overhead(nodes: NodeBreakdown[], marks: Record<string, Marks>, wallMs: number): Overhead | undefined {
  const done = nodes.filter((n) => n.complete)
  if (!done.length || done.length !== nodes.length) return undefined
  const critical = done.reduce((a, b) => (marks[b.node].ssh! > marks[a.node].ssh! ? b : a))
  const overheadMs = wallMs - critical.unavoidableMs
  const strictOverheadMs = overheadMs + (critical.stages.ipxe ?? 0)
  return {wallMs, critical: critical.node, unavoidableMs: critical.unavoidableMs, overheadMs, pct: (100 * overheadMs) / wallMs,
    strictOverheadMs, strictPct: (100 * strictOverheadMs) / wallMs}
}

export const sec = (ms: number | undefined, digits = 1) => ms === undefined ? 'n/a' : (ms / 1000).toFixed(digits)
