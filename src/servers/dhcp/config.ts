/** DHCP server configuration: the shape, defaults, and validation naming each bad field. */
import {InputError, type Problem} from '../../errors.js'
import {type Cidr, inSubnet, ipToInt, isIpv4, parseCidr} from '../../util/net.js'

export type DhcpMode = 'reservations' | 'dynamic' | 'proxy' | 'off'

export interface BootFiles {
  bios: string
  efi64: string
  efi32?: string
  arm64?: string
}

export interface DhcpConfig {
  serverIp: string
  subnet: Cidr
  mode: DhcpMode
  /** Dynamic pool, inclusive, inside `subnet`. */
  range?: {start: string; end: string}
  leaseTimeSec: number
  routers?: string[]
  dns?: string[]
  domain?: string
  /** Base URL of our HTTP server, e.g. `http://192.0.2.1:8080`. */
  httpBase: string
  /** next-server for TFTP boot files; defaults to serverIp. */
  tftpServer?: string
  bootFiles: BootFiles
  /** Record unknown MACs via backend.discovered() in reservations/proxy mode. */
  autoDiscover: boolean
  /** Subnets reached through relays, chosen by giaddr. */
  relaySubnets?: Cidr[]
  /** How long a declined address stays out of the pool (default 600 s). */
  declineProbationSec?: number
}

export const DEFAULT_BOOT_FILES: BootFiles = {bios: 'undionly.kpxe', efi64: 'snponly.efi'}

const MODES: readonly DhcpMode[] = ['reservations', 'dynamic', 'proxy', 'off']

/** A JSON/YAML-friendly config: CIDRs as strings. */
export type DhcpConfigInput = Omit<DhcpConfig, 'subnet' | 'relaySubnets' | 'bootFiles' | 'autoDiscover' | 'leaseTimeSec'> & {
  subnet: string
  relaySubnets?: string[]
  bootFiles?: Partial<BootFiles>
  autoDiscover?: boolean
  leaseTimeSec?: number
}

function checkIp(problems: Problem[], path: string, v: unknown): void {
  if (typeof v !== 'string' || !isIpv4(v)) problems.push({path, message: `not an IPv4 address: ${JSON.stringify(v)}`})
}

function checkRange(problems: Problem[], input: DhcpConfigInput, subnet: Cidr): void {
  const r = input.range
  if (!r) {
    if (input.mode === 'dynamic') problems.push({path: 'range', message: 'dynamic mode needs a range', hint: 'set range: {start, end}'})
    return
  }
  checkIp(problems, 'range.start', r.start)
  checkIp(problems, 'range.end', r.end)
  if (!isIpv4(r.start) || !isIpv4(r.end)) return
  if (ipToInt(r.start) > ipToInt(r.end)) problems.push({path: 'range', message: `start ${r.start} is after end ${r.end}`})
  for (const k of ['start', 'end'] as const) {
    if (!inSubnet(r[k], subnet)) problems.push({path: `range.${k}`, message: `${r[k]} is outside subnet ${subnet.network}/${subnet.prefix}`})
  }
}

/** Validates a config from a file or flags; throws InputError listing every problem. */
export function parseDhcpConfig(input: DhcpConfigInput, source = 'dhcp config'): DhcpConfig {
  const problems: Problem[] = []
  checkIp(problems, 'serverIp', input.serverIp)
  const subnet = typeof input.subnet === 'string' ? parseCidr(input.subnet) : undefined
  if (!subnet) problems.push({path: 'subnet', message: `not a CIDR such as 192.0.2.0/24: ${JSON.stringify(input.subnet)}`})
  if (!MODES.includes(input.mode)) problems.push({path: 'mode', message: `must be one of ${MODES.join(', ')}`})
  if (subnet) checkRange(problems, input, subnet)
  if (subnet && isIpv4(input.serverIp) && !inSubnet(input.serverIp, subnet)) problems.push({path: 'serverIp', message: `${input.serverIp} is outside subnet ${input.subnet}`})
  input.routers?.forEach((r, i) => checkIp(problems, `routers[${i}]`, r))
  input.dns?.forEach((r, i) => checkIp(problems, `dns[${i}]`, r))
  if (input.tftpServer !== undefined) checkIp(problems, 'tftpServer', input.tftpServer)
  if (typeof input.httpBase !== 'string' || !/^https?:\/\/[^/]+$/.test(input.httpBase.replace(/\/$/, ''))) problems.push({path: 'httpBase', message: `must be http(s)://host[:port], got ${JSON.stringify(input.httpBase)}`})
  const lease = input.leaseTimeSec ?? 3600
  if (!Number.isInteger(lease) || lease < 60 || lease > 0xfffffffe) problems.push({path: 'leaseTimeSec', message: 'must be an integer number of seconds ≥ 60'})
  const relaySubnets = (input.relaySubnets ?? []).map((s, i) => {
    const c = parseCidr(s)
    if (!c) problems.push({path: `relaySubnets[${i}]`, message: `not a CIDR: ${JSON.stringify(s)}`})
    return c
  })
  if (problems.length) throw new InputError(`invalid ${source}`, problems)
  return {
    ...input,
    subnet: subnet!,
    relaySubnets: relaySubnets as Cidr[],
    httpBase: input.httpBase.replace(/\/$/, ''),
    bootFiles: {...DEFAULT_BOOT_FILES, ...input.bootFiles},
    autoDiscover: input.autoDiscover ?? false,
    leaseTimeSec: lease,
  }
}
