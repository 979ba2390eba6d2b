/**
 * DHCP option table (RFC 2132, 3004, 3046, 4578, iPXE) and the value kinds the codec
 * knows. Options not in the table are kept as raw bytes so nothing is lost in transit.
 */

/** Message types (option 53). */
export const DhcpMessageType = {
  Discover: 1,
  Offer: 2,
  Request: 3,
  Decline: 4,
  Ack: 5,
  Nak: 6,
  Release: 7,
  Inform: 8,
} as const
export type DhcpMessageType = (typeof DhcpMessageType)[keyof typeof DhcpMessageType]

export const MESSAGE_TYPE_NAMES: Record<number, string> = {
  1: 'discover', 2: 'offer', 3: 'request', 4: 'decline', 5: 'ack', 6: 'nak', 7: 'release', 8: 'inform',
}

/** Option codes the handler refers to by name. */
export const Opt = {
  Pad: 0,
  SubnetMask: 1,
  Routers: 3,
  DnsServers: 6,
  Hostname: 12,
  DomainName: 15,
  BroadcastAddress: 28,
  VendorSpecific: 43,
  RequestedIp: 50,
  LeaseTime: 51,
  Overload: 52,
  MessageType: 53,
  ServerId: 54,
  ParameterRequestList: 55,
  Message: 56,
  MaxMessageSize: 57,
  RenewalTime: 58,
  RebindingTime: 59,
  VendorClass: 60,
  ClientId: 61,
  TftpServerName: 66,
  BootfileName: 67,
  UserClass: 77,
  RelayAgentInfo: 82,
  ClientArch: 93,
  ClientNdi: 94,
  ClientUuid: 97,
  Ipxe: 175,
  End: 255,
} as const

/** Decoded option values; every field is optional, unknown codes land in `unknown`. */
export interface DhcpOptions {
  messageType?: number
  subnetMask?: string
  routers?: string[]
  dnsServers?: string[]
  hostname?: string
  domainName?: string
  broadcastAddress?: string
  /** Option 43, raw: its layout depends on the vendor class (see pxeVendorOptions). */
  vendorSpecific?: Buffer
  requestedIp?: string
  leaseTime?: number
  serverId?: string
  parameterRequestList?: number[]
  message?: string
  maxMessageSize?: number
  renewalTime?: number
  rebindingTime?: number
  vendorClass?: string
  clientId?: Buffer
  tftpServerName?: string
  bootfileName?: string
  /** Option 77, raw: iPXE sends a bare `iPXE`, RFC 3004 clients length-prefixed items. */
  userClass?: Buffer
  /** Option 82, raw and echoed unchanged (RFC 3046). */
  relayAgentInfo?: Buffer
  /** Option 93: one or more 16-bit architecture types (RFC 4578). */
  clientArch?: number[]
  /** Option 94: type, major, minor (RFC 4578). */
  clientNdi?: Buffer
  /** Option 97: type byte + machine UUID, echoed unchanged. */
  clientUuid?: Buffer
  /** Option 175: iPXE encapsulated sub-options. */
  ipxe?: Map<number, Buffer>
  /** Everything else, by code, as sent (split options already joined per RFC 3396). */
  unknown?: Map<number, Buffer>
}

export type OptionKind = 'u8' | 'u16' | 'u32' | 'ip' | 'ips' | 'string' | 'bytes' | 'u8list' | 'u16list' | 'suboptions'

export interface OptionSpec {
  code: number
  name: Exclude<keyof DhcpOptions, 'unknown'>
  kind: OptionKind
  /** Exact byte length for fixed-size raw options. */
  length?: number
  /** Minimum byte length (RFC 2132 gives 1 for most variable options). */
  min?: number
}

/** Encoding order: 53 and 54 first (some ROMs look there), 82 last (RFC 3046 §2.1). */
export const OPTION_SPECS: readonly OptionSpec[] = [
  {code: 53, name: 'messageType', kind: 'u8'},
  {code: 54, name: 'serverId', kind: 'ip'},
  {code: 51, name: 'leaseTime', kind: 'u32'},
  {code: 58, name: 'renewalTime', kind: 'u32'},
  {code: 59, name: 'rebindingTime', kind: 'u32'},
  {code: 1, name: 'subnetMask', kind: 'ip'},
  {code: 3, name: 'routers', kind: 'ips'},
  {code: 6, name: 'dnsServers', kind: 'ips'},
  {code: 12, name: 'hostname', kind: 'string', min: 1},
  {code: 15, name: 'domainName', kind: 'string', min: 1},
  {code: 28, name: 'broadcastAddress', kind: 'ip'},
  {code: 50, name: 'requestedIp', kind: 'ip'},
  {code: 55, name: 'parameterRequestList', kind: 'u8list', min: 1},
  {code: 56, name: 'message', kind: 'string', min: 1},
  {code: 57, name: 'maxMessageSize', kind: 'u16'},
  {code: 60, name: 'vendorClass', kind: 'string', min: 1},
  {code: 61, name: 'clientId', kind: 'bytes', min: 2},
  {code: 66, name: 'tftpServerName', kind: 'string', min: 1},
  {code: 67, name: 'bootfileName', kind: 'string', min: 1},
  {code: 77, name: 'userClass', kind: 'bytes', min: 1},
  {code: 93, name: 'clientArch', kind: 'u16list', min: 2},
  {code: 94, name: 'clientNdi', kind: 'bytes', length: 3},
  {code: 97, name: 'clientUuid', kind: 'bytes', min: 1},
  {code: 43, name: 'vendorSpecific', kind: 'bytes', min: 1},
  {code: 175, name: 'ipxe', kind: 'suboptions', min: 2},
  {code: 82, name: 'relayAgentInfo', kind: 'bytes', min: 2},
]

export const SPEC_BY_CODE: ReadonlyMap<number, OptionSpec> = new Map(OPTION_SPECS.map((s) => [s.code, s]))
