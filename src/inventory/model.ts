import type {SourcePos} from '../errors.js'

/** BMC drivers bmpctl can talk to. */
export const BMC_DRIVERS = ['ipmi', 'ipmitool', 'redfish', 'fake'] as const
export type BmcDriver = (typeof BMC_DRIVERS)[number]

/**
 * Where a BMC password comes from. The literal value is kept out of logs and JSON by
 * `redactBmc`; env/file are resolved only when a BMC is contacted.
 */
export type PasswordSource = {value: string} | {env: string} | {file: string}

export interface BmcSpec {
  driver: BmcDriver
  address: string
  /** UDP 623 for IPMI, 443 for Redfish unless set. */
  port?: number
  username?: string
  password?: PasswordSource
  /** Redfish system id (discovered when absent). */
  systemId?: string
  /** Redfish: verify TLS certificates (default true). */
  verifyTls?: boolean
  /** Redfish: http or https (default https). */
  scheme?: 'http' | 'https'
  /** IPMI cipher suite to insist on (default: try 17, then 3). */
  cipherSuite?: number
}

export interface Ipv4Config {
  /** CIDR form, e.g. 192.0.2.10/24. */
  address: string
  gateway?: string
  dns: string[]
}

export interface NodeNetwork {
  hostname?: string
  ipv4?: Ipv4Config
}

export interface ImageSpec {
  url: string
  /** `sha256:<hex>`, `sha512:<hex>`, bare hex (length decides), or a URL of a checksums file. */
  checksum?: string
}

/** One machine as the inventory describes it (desired state, not provision state). */
export interface NodeSpec {
  name: string
  uuid?: string
  bmc: BmcSpec
  /** MACs in lower-case colon form. The first one PXE boots. */
  nics: {mac: string}[]
  properties: Record<string, unknown>
  network: NodeNetwork
  image?: ImageSpec
  /** SSH public keys for the installed OS. */
  sshKeys: string[]
  groups: string[]
  vars: Record<string, unknown>
  /** Where the node was defined, for messages. */
  pos?: SourcePos
}

export interface GroupSpec {
  name: string
  hosts: string[]
  children: string[]
  vars: Record<string, unknown>
}

export interface Inventory {
  /** File it came from (or '<inline>'). */
  source: string
  format: 'bmpctl' | 'bifrost' | 'csv'
  nodes: Map<string, NodeSpec>
  groups: Map<string, GroupSpec>
  vars: Record<string, unknown>
}

/** Copy of a BMC spec safe to print or store in an event: no password value. */
export function redactBmc(bmc: BmcSpec): Omit<BmcSpec, 'password'> & {password?: string} {
  const {password, ...rest} = bmc
  if (!password) return rest
  if ('env' in password) return {...rest, password: `env:${password.env}`}
  if ('file' in password) return {...rest, password: `file:${password.file}`}
  return {...rest, password: '********'}
}
