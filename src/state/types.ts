import type {NodeSpec} from '../inventory/model.js'

/**
 * Provision states (Ironic's model, trimmed). The allowed transitions live as a table in
 * states.ts and are checked in one place.
 */
export const ProvisionState = {
  /** Registered; BMC not (yet) verified. */
  Enroll: 'enroll',
  /** BMC verified; not yet offered for deployment. */
  Manageable: 'manageable',
  /** Ready to deploy. */
  Available: 'available',
  /** Booting the LiveOS to collect hardware facts. */
  Inspecting: 'inspecting',
  /** Inspection failed; see last error. */
  InspectFailed: 'inspect-failed',
  /** Deploy in progress (before or after the LiveOS call-back). */
  Deploying: 'deploying',
  /** Waiting for the LiveOS to call back. */
  WaitCallback: 'wait-callback',
  /** Installed OS booted. */
  Active: 'active',
  /** Deploy failed; see last error. */
  DeployFailed: 'deploy-failed',
  /** Wiping disks. */
  Cleaning: 'cleaning',
  /** Wipe failed. */
  CleanFailed: 'clean-failed',
  /** Tearing down an active node. */
  Undeploying: 'undeploying',
  /** Something went wrong outside a known step; operator attention needed. */
  Error: 'error',
} as const
export type ProvisionState = (typeof ProvisionState)[keyof typeof ProvisionState]

export interface NodeRecord {
  name: string
  state: ProvisionState
  spec: NodeSpec
  /** Facts from inspection or the LiveOS call-back. */
  facts: Record<string, unknown>
  lastError?: string
  createdAt: string
  updatedAt: string
  /** Discovered by PXE but not enrolled. */
  discovered?: boolean
}

export interface NodeEvent {
  id: number
  node: string
  ts: string
  /** Dotted kind: `dhcp.offer`, `tftp.file`, `http.fetch`, `bmc.power`, `state.change`, `callback`, … */
  kind: string
  message: string
  data?: Record<string, unknown>
}

export interface Reservation {
  node: string
  pid: number
  host: string
  since: string
  purpose: string
}

/** What `upsertNode` did, with the spec fields that differ (`bmc.address`, `nics`, …). */
export interface UpsertResult {
  result: 'added' | 'changed' | 'unchanged'
  fields: string[]
}

/** A dynamic-pool DHCP lease; `expires` is epoch milliseconds. */
export interface Lease {
  mac: string
  ip: string
  expires: number
  hostname?: string
}

/** What the HTTP/TFTP servers render for a MAC: the LiveOS, local disk, or nothing. */
export type BootMode = 'liveos' | 'local' | 'none'

export interface BootConfig {
  node: string
  mode: BootMode
  vars: Record<string, unknown>
}

export interface StoredBootConfig extends BootConfig {
  mac: string
  updatedAt: string
}

/** A MAC seen PXE-booting that no enrolled node claims. */
export interface DiscoveredHost {
  mac: string
  info: Record<string, unknown>
  firstSeen: string
  lastSeen: string
  count: number
}

/** What a consumed one-time token was issued for. */
export interface TokenClaim {
  node: string
  purpose: string
}
