import type {ManagerConfig, ManagerLayout} from '../config/config.js'
import type {NodeNetwork, ImageSpec} from '../inventory/model.js'
import type {LiveOsFacts} from '../liveos/facts.js'
import type {Store} from '../state/store.js'
import type {TaskContext} from '../tasks/types.js'

/**
 * What the deploy task modules need beyond the store and BMCs, injected by whoever runs
 * `playbooks/deploy.yaml` (the deploy command, or a test) as `services.deploy`:
 *
 *   services.store   Store                     node specs, facts, boot configs, tokens, events
 *   services.bmcFor  (host) => BmcProvider     power and boot device (src/bmc/ops.ts)
 *   services.deploy  DeployServices           below
 */
export interface DeployServices {
  layout: ManagerLayout
  config: ManagerConfig
  /** The manager's deploy key (OpenSSH private key, `<data-dir>/ssh/id_ed25519`). */
  sshPrivateKey: Buffer
  /** Its public key line; put on the LiveOS kernel command line by pxe_config. */
  sshPublicKey: string
  /** Clock in epoch ms (tests); Date.now otherwise. */
  now?: () => number
  /** Port of the LiveOS sshd (22); tests point it at a local sshd. */
  liveosSshPort?: number
}

export function requireDeploy(ctx: TaskContext<unknown>, module: string): DeployServices {
  const d = ctx.services.deploy as DeployServices | undefined
  if (!d || !d.layout || !d.config) {
    throw new Error(`${module}: no deploy services in the task services (the caller of the runner must pass services.deploy)`)
  }
  return d
}

export const nowMs = (d?: DeployServices): number => (d?.now ?? Date.now)()

/** The parts of a node's spec the deploy modules read. */
export interface NodeView {
  name: string
  uuid?: string
  macs: string[]
  network: NodeNetwork
  image?: ImageSpec
  properties: Record<string, unknown>
  sshKeys: string[]
}

/** The node from the store (authoritative), else from the `bmpctl_node` host var. */
export function nodeView(ctx: TaskContext<unknown>, store?: Store): NodeView {
  const rec = store?.getNode(ctx.host)
  if (rec) {
    const s = rec.spec
    return {name: s.name, uuid: s.uuid, macs: s.nics.map((n) => n.mac), network: s.network ?? {}, image: s.image,
      properties: s.properties ?? {}, sshKeys: s.sshKeys ?? []}
  }
  const v = ctx.vars.bmpctl_node as Record<string, unknown> | undefined
  if (!v || typeof v !== 'object') throw new Error(`node ${ctx.host} is neither in the state store nor described by bmpctl_node`)
  return {
    name: String(v.name ?? ctx.host),
    uuid: typeof v.uuid === 'string' ? v.uuid : undefined,
    macs: Array.isArray(v.macs) ? v.macs.map(String) : [],
    network: (v.network as NodeNetwork) ?? {},
    image: v.image as ImageSpec | undefined,
    properties: (v.properties as Record<string, unknown>) ?? {},
    sshKeys: Array.isArray(v.sshKeys) ? v.sshKeys.map(String) : [],
  }
}

/** The facts the LiveOS reported in its call-back, or a clear error when there are none yet. */
export function liveosFacts(store: Store, host: string, module: string): LiveOsFacts {
  const facts = store.getNode(host)?.facts.liveos as LiveOsFacts | undefined
  if (!facts || typeof facts !== 'object') {
    throw new Error(`${module}: node ${host} has no LiveOS facts; the LiveOS has not called back (run wait_for_callback first)`)
  }
  return facts
}

/** `30m`, `1h30m`, `45s`: how durations read in messages. */
export function formatDuration(sec: number): string {
  const s = Math.round(sec)
  if (s < 60) return `${s}s`
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const r = s % 60
  return `${h ? h + 'h' : ''}${m ? m + 'm' : ''}${r ? r + 's' : ''}`
}

export {formatBytes} from '../util/format.js'
