import type {NodeEvent} from '../state/types.js'

/**
 * How far a node got on its way to the LiveOS call-back, read from the events the
 * servers recorded (DHCP → TFTP → iPXE script over HTTP → kernel/initrd download →
 * refused call-back). wait_for_callback's timeout message and `bmpctl doctor` use it.
 */
export type BootStage = 'none' | 'dhcp' | 'tftp' | 'boot-script' | 'liveos-download' | 'callback-refused'

export const STAGE_LABEL: Record<BootStage, string> = {
  'none': 'none',
  'dhcp': 'DHCP',
  'tftp': 'TFTP',
  'boot-script': 'iPXE script',
  'liveos-download': 'LiveOS download',
  'callback-refused': 'call-back refused',
}

const RANK: Record<BootStage, number> = {'none': 0, 'dhcp': 1, 'tftp': 2, 'boot-script': 3, 'liveos-download': 4, 'callback-refused': 5}

/** What each stage means went wrong after it, for the operator. */
export const STAGE_HINT: Record<BootStage, string> = {
  'none': 'the node never asked for an address: check power, the BMC boot override, the NIC on the provisioning network and that `bmpctl serve` runs',
  'dhcp': 'the node got no further than DHCP: check the boot file options (proxy DHCP?) and that TFTP is reachable',
  'tftp': 'the node loaded the boot loader but never asked for its iPXE script over HTTP: check the HTTP port and firewall',
  'boot-script': 'the node got its boot script but did not download the LiveOS kernel/initrd: check `bmpctl liveos build` ran and the HTTP server',
  'liveos-download': 'the LiveOS was downloaded but never called back: watch its console (serial) for network or call-back errors',
  'callback-refused': 'the LiveOS called back but its token was refused (expired or replayed): run the step again for a new token',
}

/** The stage one event belongs to, or undefined when it says nothing about booting. */
export function stageOf(e: NodeEvent): BootStage | undefined {
  if (e.kind.startsWith('dhcp.')) return 'dhcp'
  if (e.kind.startsWith('tftp.')) return 'tftp'
  if (e.kind === 'callback.refused') return 'callback-refused'
  if (e.kind === 'http.boot-script') return 'boot-script'
  if (e.kind === 'http.fetch') {
    const what = `${e.message} ${String(e.data?.path ?? '')}`
    if (/liveos\/(vmlinuz|initrd)|\b(vmlinuz|initrd)/.test(what)) return 'liveos-download'
    if (/boot script|\/boot\/|\.ipxe\b/.test(what)) return 'boot-script'
  }
  return undefined
}

export interface StageReport {
  stage: BootStage
  label: string
  /** ISO time of the latest event of that stage. */
  at?: string
  /** Its message. */
  detail?: string
  hint: string
}

/** The furthest stage among `events` (the latest event of it gives time and detail). */
export function lastStage(events: NodeEvent[]): StageReport {
  let best: {stage: BootStage; event?: NodeEvent} = {stage: 'none'}
  for (const e of events) {
    const s = stageOf(e)
    if (s && RANK[s] >= RANK[best.stage]) best = {stage: s, event: e}
  }
  const {stage, event} = best
  return {stage, label: STAGE_LABEL[stage], at: event?.ts, detail: event?.message, hint: STAGE_HINT[stage]}
}

/** `DHCP at 2024-…Z (dhcp.ack 192.0.2.10)` or `none`. */
export function describeStage(r: StageReport): string {
  if (r.stage === 'none') return 'none'
  return `${r.label} at ${r.at}${r.detail ? ` (${r.detail})` : ''}`
}

/** Events since an ISO time (inclusive); ISO strings in UTC sort as times. */
export function eventsSince(events: NodeEvent[], sinceIso: string): NodeEvent[] {
  return events.filter((e) => e.ts >= sinceIso)
}
