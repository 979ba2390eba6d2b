/**
 * `bmpctl doctor NODE`: the boot chain of the node's latest attempt as stages, each with
 * when it was first seen, and for the first stage that never came, why that usually is
 * and what to check. Pre-call-back stages come from src/deploy/stages.ts.
 */
import {stageOf} from '../deploy/stages.js'
import {formatGap} from './timeline.js'
import {holderAlive} from '../state/reservations.js'
import type {Store} from '../state/store.js'
import type {NodeEvent, NodeRecord, ProvisionState, Reservation} from '../state/types.js'

export type ChainStageId = 'bmc' | 'dhcp' | 'tftp' | 'ipxe-script' | 'kernel' | 'callback' | 'wipe' | 'image' | 'configdrive' | 'local-boot' | 'guest'

interface StageDef {
  id: ChainStageId
  label: string
  /** The event proves the node got this far. */
  reached(e: NodeEvent): boolean
  /** The event explains why it did not (shown as a clue). */
  clue?(e: NodeEvent): boolean
  causes: string[]
  check: string[]
  /** Only counts once the LiveOS called back (a rescue also boots the disk, for instance). */
  afterCallback?: boolean
}

const isLocal = (e: NodeEvent) => e.data?.mode === 'local'
const failedData = (e: NodeEvent) => e.data?.ok === false || e.data?.error !== undefined || e.data?.timeoutSec !== undefined

/** The chain in boot order; each stage is looked for after the one before it was seen. */
export const CHAIN: readonly StageDef[] = [
  {id: 'bmc', label: 'power / BMC', reached: (e) => e.kind.startsWith('bmc.') && e.data?.ok !== false, clue: (e) => e.kind.startsWith('bmc.') && e.data?.ok === false,
    causes: ['BMC unreachable from the manager', 'wrong BMC credentials or too little privilege'],
    check: ['`bmpctl power status NODE -v`', 'the bmc.* events below for which provider failed and why']},
  {id: 'dhcp', label: 'DHCP offer/ack', reached: (e) => e.kind === 'dhcp.offer' || e.kind === 'dhcp.ack',
    clue: (e) => e.kind === 'dhcp.discover' || e.kind === 'dhcp.no-reservation' || e.kind === 'dhcp.nak',
    causes: ['MAC mismatch: the NIC that PXE boots is not one of the enrolled MACs', 'a foreign DHCP server on the segment answers first',
      '`bmpctl serve` is not running or listens on the wrong interface', 'the BMC ignored the PXE boot override (node booted its disk)'],
    check: ['the node\'s console: which MAC does the PXE ROM show?', '`bmpctl nodes show NODE` MACs', 'tcpdump -ni IFACE port 67 or port 68 on the manager']},
  {id: 'tftp', label: 'TFTP loader', reached: (e) => stageOf(e) === 'tftp' && e.kind !== 'tftp.error', clue: (e) => e.kind === 'tftp.error',
    causes: ['a firewall drops UDP 69 (or the ephemeral reply ports)', 'next-server / boot file point elsewhere (another DHCP server, proxy mode)'],
    check: ['`tftp MANAGER -c get undionly.kpxe` from the provisioning network', 'the DHCP offer\'s siaddr and file fields']},
  {id: 'ipxe-script', label: 'iPXE script', reached: (e) => stageOf(e) === 'boot-script' && !isLocal(e) && e.data?.error === undefined,
    clue: (e) => stageOf(e) === 'boot-script' && (isLocal(e) || e.data?.error !== undefined),
    causes: ['iPXE cannot reach the HTTP port (firewall, wrong http.port)', 'the boot config is not "liveos" (script rendered for local boot)'],
    check: ['curl http://MANAGER:PORT/boot/MAC.ipxe', 'that the deploy\'s pxe_config step ran (deploy.pxe_config event)']},
  {id: 'kernel', label: 'kernel/initrd fetch', reached: (e) => stageOf(e) === 'liveos-download',
    causes: ['the HTTP port is blocked for large downloads or the LiveOS is not built', 'the iPXE script has a wrong http_base'],
    check: ['`bmpctl liveos build` output and <data-dir>/http/liveos/', 'the rendered boot script (curl it) and its kernel/initrd URLs']},
  {id: 'callback', label: 'LiveOS call-back', reached: (e) => e.kind === 'callback', clue: (e) => e.kind === 'callback.refused' || (e.kind === 'deploy.wait_for_callback' && failedData(e)),
    causes: ['the LiveOS did not boot (kernel panic, missing NIC driver): watch its console', 'no network inside the LiveOS (its own DHCP failed)',
      'the call-back URL is unreachable from the node, or the token expired/was refused'],
    check: ['the serial console (SOL: `ipmitool sol activate`)', 'callback.refused events below', 'that `bmpctl serve` answers POST /v1/callback']},
  {id: 'wipe', afterCallback: true, label: 'SSH: disk wipe', reached: (e) => e.kind === 'deploy.disk_wipe' && !failedData(e), clue: (e) => e.kind.startsWith('deploy.') && failedData(e),
    causes: ['SSH to the LiveOS fails: host key differs from the one it called back with', 'the deploy key is not accepted (public key on the kernel command line)',
      'no disk matches the root device hints'],
    check: ['`bmpctl nodes show NODE` facts.liveos (ip, hostKeys, disks)', 'the node\'s properties.root_device hints', '<data-dir>/ssh/id_ed25519.pub']},
  {id: 'image', afterCallback: true, label: 'SSH: image write', reached: (e) => e.kind === 'deploy.image_write' && !failedData(e), clue: (e) => e.kind === 'deploy.image_write' && failedData(e),
    causes: ['the LiveOS cannot fetch the image URL', 'checksum mismatch (wrong checksum or corrupt image)', 'the disk is too small'],
    check: ['the image URL from the node\'s network (curl -I)', 'the image checksum', 'deploy.image_write events below']},
  {id: 'configdrive', afterCallback: true, label: 'SSH: config drive', reached: (e) => e.kind === 'deploy.configdrive' && !failedData(e),
    clue: (e) => e.kind === 'deploy.configdrive' && failedData(e),
    causes: ['no room for the config drive partition at the end of the disk', 'read-back mismatch (failing disk)'],
    check: ['deploy.configdrive events below', 'the disk size against the image size']},
  {id: 'local-boot', afterCallback: true, label: 'boot from disk', reached: (e) => (e.kind === 'deploy.pxe_config' || stageOf(e) === 'boot-script' || e.kind === 'tftp.pxelinux-cfg') && isLocal(e),
    causes: ['the BMC refused the disk boot device or the power reset', 'the step before failed and the playbook went to its rescue'],
    check: ['bmc.* events below', '`bmpctl boot-device get NODE`']},
  {id: 'guest', afterCallback: true, label: 'guest reachable', reached: (e) => (e.kind === 'deploy.wait_for_ssh' && !failedData(e)) || (e.kind === 'state.change' && e.data?.to === 'active'),
    clue: (e) => e.kind === 'deploy.wait_for_ssh' && failedData(e),
    causes: ['the installed OS did not boot (boot loader, BIOS image on UEFI or the reverse)', 'its network config (config drive network_data) is wrong', 'sshd is not started in the image'],
    check: ['the console of the node', 'the node\'s network.ipv4 address and gateway', 'that the image runs cloud-init or reads config-2']},
]

export type StageStatus = 'seen' | 'not-seen' | 'missing' | 'pending'

export interface StageResult {
  id: ChainStageId
  label: string
  status: StageStatus
  /** First time seen in this attempt. */
  at?: string
  /** Milliseconds since the stage seen before it. */
  sincePrevMs?: number
  detail?: string
}

export interface DoctorReport {
  node: string
  state: ProvisionState
  lastError?: string
  /** When the attempt examined began (the last move into deploying/inspecting/undeploying). */
  attemptSince?: string
  inProgress: boolean
  stages: StageResult[]
  /** The first stage that never came, with its likely causes and clue events. */
  firstMissing?: {id: ChainStageId; label: string; causes: string[]; check: string[]; clues: string[]}
}

/** Events of the latest attempt: from the last state change that started one. */
export function latestAttempt(events: NodeEvent[]): {since?: string; events: NodeEvent[]} {
  const starts = (e: NodeEvent) => e.kind === 'state.change' && ['deploying', 'inspecting', 'undeploying'].includes(String(e.data?.to)) && e.data?.from !== 'wait-callback'
  let i = events.length - 1
  while (i >= 0 && !starts(events[i])) i--
  return i < 0 ? {events} : {since: events[i].ts, events: events.slice(i)}
}

/** Pure analysis over a node and its events (tests feed synthetic logs). */
export function diagnose(node: Pick<NodeRecord, 'name' | 'state' | 'lastError'>, all: NodeEvent[], reservation?: Reservation): DoctorReport {
  const {since, events} = latestAttempt(all)
  const inProgress = !!reservation && holderAlive(reservation)
  const found = CHAIN.map((def) => ({def, event: undefined as NodeEvent | undefined}))
  let from = 0
  for (const f of found) {
    if (f.def.afterCallback && !found.find((c) => c.def.id === 'callback')?.event) continue
    const i = events.findIndex((e, k) => k >= from && f.def.reached(e))
    if (i >= 0) (f.event = events[i], from = i)
  }
  const furthest = found.map((f) => !!f.event).lastIndexOf(true)
  let prevTs: number | undefined
  const stages: StageResult[] = found.map(({def, event}, i) => {
    const r: StageResult = {id: def.id, label: def.label, status: event ? 'seen' : i === furthest + 1 ? (inProgress ? 'pending' : 'missing') : 'not-seen'}
    if (event) {
      const t = Date.parse(event.ts)
      Object.assign(r, {at: event.ts, detail: event.message}, prevTs === undefined ? {} : {sincePrevMs: t - prevTs})
      prevTs = t
    }
    return r
  })
  const report: DoctorReport = {node: node.name, state: node.state, inProgress, stages}
  if (node.lastError) report.lastError = node.lastError
  if (since) report.attemptSince = since
  const missing = found[furthest + 1]
  // A node never deployed has nothing missing yet, just nothing started.
  if (missing && !inProgress && (since || furthest >= 0)) {
    const clues = events.filter((e) => missing.def.clue?.(e)).slice(-5).map((e) => `${e.ts} ${e.kind}: ${e.message}`)
    report.firstMissing = {id: missing.def.id, label: missing.def.label, causes: missing.def.causes, check: missing.def.check, clues}
  }
  return report
}

export function doctorNode(store: Store, name: string): DoctorReport {
  const node = store.requireNode(name)
  return diagnose(node, store.events(name), store.reservation(name))
}

const MARK: Record<StageStatus, string> = {'seen': '✓', 'not-seen': '·', 'missing': '✗', 'pending': '…'}

export function formatDoctor(r: DoctorReport): string {
  const head = `${r.node}: state ${r.state}${r.inProgress ? ' (work in progress)' : ''}${r.attemptSince ? `, latest attempt since ${r.attemptSince}` : ', no deploy/inspect attempt recorded'}`
  const width = Math.max(...r.stages.map((s) => s.label.length))
  const lines = [head, '']
  for (const s of r.stages) {
    const when = s.at ? `${s.at}  ${s.sincePrevMs === undefined ? '' : formatGap(s.sincePrevMs)}` : s.status === 'missing' ? 'MISSING' : s.status === 'pending' ? 'waiting' : 'not seen'
    lines.push(`  ${MARK[s.status]} ${s.label.padEnd(width)}  ${when}${s.detail ? `  ${s.detail.replace(/\s+/g, ' ').slice(0, 80)}` : ''}`.trimEnd())
  }
  const m = r.firstMissing
  if (m) {
    lines.push('', `first missing stage: ${m.label}`, '  likely causes:', ...m.causes.map((c) => `    - ${c}`), '  check:', ...m.check.map((c) => `    - ${c}`))
    if (m.clues.length) lines.push('  clues:', ...m.clues.map((c) => `    ${c}`))
  } else if (!r.inProgress && r.stages.every((s) => s.status === 'seen' || s.status === 'not-seen') && r.stages[r.stages.length - 1].status === 'seen') {
    lines.push('', 'the whole chain completed')
  }
  if (r.lastError) lines.push('', `last error: ${r.lastError}`)
  return lines.join('\n')
}
