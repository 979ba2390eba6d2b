/**
 * Everything `install` checks before it changes anything: flags (exit 2), then ports,
 * privileges, packages and a foreign DHCP server on the segment (exit 3).
 */
import {DHCP_MODES, defaultConfig, parseRange, type DhcpMode, type ManagerConfig} from '../config/config.js'
import {EnvironmentError, InputError, type Problem} from '../errors.js'
import {parseCidr} from '../util/net.js'
import type {InstallSystem} from './install-system.js'

/** What the manager needs from Debian: loaders, LiveOS ingredients, disk tools. */
export const REQUIRED_PACKAGES = ['ipxe', 'busybox-static', 'dropbear-bin', 'linux-image-amd64', 'fdisk', 'zstd']
export const UNIT_NAME = 'bmpctl.service'

export interface InstallInput {
  dataDir: string
  interface?: string
  /** CIDR, e.g. 192.0.2.1/24 */
  address?: string
  dhcpRange?: string
  mode?: string
  httpPort?: number
  systemd: boolean
  yes: boolean
}

export interface PreflightResult {
  config: ManagerConfig
  missingPackages: string[]
  foreignDhcp: string[]
  /** Things worth saying that do not stop the install. */
  notes: string[]
  /** Our own unit already runs (it holds the ports). */
  serviceActive: boolean
}

const ip = (cidr: string) => cidr.split('/')[0]

/** Interface and address from flags, else from the interface, else from the existing config. */
function resolveNetwork(input: InstallInput, sys: InstallSystem, existing: ManagerConfig | undefined, problems: Problem[]): {ifname?: string; address?: string} {
  const all = sys.interfaces()
  const fresh = input.interface !== undefined || input.address !== undefined
  const ifname = input.interface ?? (fresh ? undefined : existing?.interface)
  let address = input.address ?? (fresh ? undefined : existing?.address)
  if (ifname !== undefined && !all.includes(ifname)) {
    problems.push({path: '--interface', message: `no interface ${JSON.stringify(ifname)} on this machine (interfaces: ${all.join(', ') || 'none'})`})
    return {}
  }
  if (address !== undefined) {
    const bad = !address.includes('/') ? `${JSON.stringify(address)} needs a prefix length` : !parseCidr(address) ? `${JSON.stringify(address)} is not an IPv4 address in CIDR form` : undefined
    if (bad) {
      problems.push({path: '--address', message: bad, hint: 'e.g. --address 192.0.2.1/24'})
      return {}
    }
  }
  if (ifname === undefined && address === undefined) {
    problems.push({path: '--interface', message: 'which interface faces the nodes? pass --interface (and --address if it has several)', hint: `interfaces: ${all.join(', ')}`})
    return {}
  }
  if (ifname === undefined) {
    const holder = all.find((i) => sys.addresses(i).some((a) => ip(a) === ip(address!)))
    if (!holder) problems.push({path: '--address', message: `${ip(address!)} is on no interface of this machine`, hint: 'add it first (ip addr add … dev …) or pass --interface'})
    return {ifname: holder, address}
  }
  const have = sys.addresses(ifname)
  if (address === undefined) {
    if (!have.length) problems.push({path: '--interface', message: `interface ${ifname} has no IPv4 address`, hint: `pass --address, after \`ip addr add 192.0.2.1/24 dev ${ifname}\``})
    return {ifname, address: have[0]}
  }
  if (!have.some((a) => ip(a) === ip(address!))) {
    problems.push({path: '--address', message: `${ip(address)} is not on interface ${ifname} (it has: ${have.join(', ') || 'no IPv4 address'})`, hint: `ip addr add ${address} dev ${ifname}`})
  }
  return {ifname, address}
}

/** Flags → config, or an InputError naming every bad flag (exit 2). */
export function checkInput(input: InstallInput, sys: InstallSystem, existing?: ManagerConfig): ManagerConfig {
  const problems: Problem[] = []
  if (input.mode !== undefined && !DHCP_MODES.includes(input.mode as DhcpMode)) {
    problems.push({path: '--mode', message: `${JSON.stringify(input.mode)} is not one of ${DHCP_MODES.join(', ')}`})
  }
  if (input.httpPort !== undefined && !(Number.isInteger(input.httpPort) && input.httpPort > 0 && input.httpPort < 65536)) {
    problems.push({path: '--http-port', message: `${input.httpPort} is not a port number`})
  }
  const {ifname, address} = resolveNetwork(input, sys, existing, problems)
  const cidr = address ? parseCidr(address) : undefined
  const base = existing ?? defaultConfig(address ?? '')
  const config: ManagerConfig = {
    ...base,
    ...(ifname ? {interface: ifname} : {}),
    address: address ?? base.address,
    dhcp: {...base.dhcp, mode: (input.mode as DhcpMode | undefined) ?? base.dhcp.mode},
    http: {port: input.httpPort ?? base.http.port},
  }
  const rangeText = input.dhcpRange ?? (existing?.dhcp.range && !input.address ? `${existing.dhcp.range.start}-${existing.dhcp.range.end}` : undefined)
  if (rangeText !== undefined && cidr) {
    const r = parseRange(rangeText, cidr, '--dhcp-range')
    problems.push(...r.problems)
    config.dhcp.range = r.range
  } else if (rangeText === undefined) delete config.dhcp.range
  if (config.dhcp.mode === 'dynamic' && rangeText === undefined) {
    problems.push({path: '--dhcp-range', message: 'dynamic mode hands out addresses from a range; none given', hint: 'e.g. --dhcp-range 192.0.2.100-192.0.2.199'})
  }
  if (problems.length) throw new InputError('bmpctl install: nothing was changed', problems)
  return config
}

async function checkPorts(config: ManagerConfig, sys: InstallSystem): Promise<void> {
  const wanted: {svc: string; proto: 'udp' | 'tcp'; port: number}[] = []
  if (config.dhcp.mode !== 'off') wanted.push({svc: 'DHCP', proto: 'udp', port: 67})
  if (config.dhcp.mode === 'proxy') wanted.push({svc: 'proxyDHCP', proto: 'udp', port: 4011})
  wanted.push({svc: 'TFTP', proto: 'udp', port: config.tftp.port}, {svc: 'HTTP', proto: 'tcp', port: config.http.port})
  const busy: string[] = [], denied: string[] = []
  for (const w of wanted) {
    const state = await sys.portState(w.proto, w.port)
    if (state === 'in-use') busy.push(`${w.port}/${w.proto} (${w.svc})`)
    if (state === 'denied') denied.push(`${w.port}/${w.proto} (${w.svc})`)
  }
  if (busy.length) throw new EnvironmentError(`port${busy.length > 1 ? 's' : ''} in use: ${busy.join(', ')}; nothing was changed`, 'stop the other DHCP/TFTP/web server (dnsmasq, tftpd-hpa, nginx…), or pick another --http-port')
  if (denied.length) throw new EnvironmentError(`not allowed to listen on ${denied.join(', ')}; nothing was changed`, 'run bmpctl install as root')
}

async function checkPackages(input: InstallInput, sys: InstallSystem, notes: string[]): Promise<string[]> {
  const missing = await sys.missingPackages(REQUIRED_PACKAGES)
  if (missing === undefined) {
    notes.push(`dpkg not found: cannot check packages (${REQUIRED_PACKAGES.join(', ')})`)
    return []
  }
  if (!missing.length) return []
  if (!sys.isRoot()) throw new EnvironmentError(`missing packages ${missing.join(', ')} and not root to install them; nothing was changed`, `run as root, or apt-get install ${missing.join(' ')}`)
  if (input.yes) return missing
  if (sys.isTty() && await sys.ask(`install missing packages ${missing.join(', ')} with apt-get?`)) return missing
  throw new EnvironmentError(`missing packages: ${missing.join(', ')}; nothing was changed`, `pass --yes to install them with apt-get (no terminal to ask on), or apt-get install ${missing.join(' ')}`)
}

async function checkForeignDhcp(config: ManagerConfig, sys: InstallSystem, notes: string[]): Promise<string[]> {
  if (config.dhcp.mode === 'off') return []
  const cidr = parseCidr(config.address)!
  const res = await sys.probeDhcp({broadcast: cidr.broadcast, ownAddresses: [cidr.address]})
  if ('skipped' in res) {
    notes.push(`foreign DHCP check skipped: ${res.skipped}`)
    return []
  }
  if (!res.servers.length) return []
  const who = res.servers.join(', ')
  if (config.dhcp.mode === 'proxy') notes.push(`DHCP server ${who} answers on this segment (expected in proxy mode)`)
  else if (config.dhcp.mode === 'dynamic') throw new EnvironmentError(`another DHCP server (${who}) answers on this segment; two address pools would fight; nothing was changed`, 'use --mode proxy to leave addresses to it, or stop it')
  else notes.push(`another DHCP server (${who}) answers on this segment; nodes may take its offer — consider --mode proxy`)
  return res.servers
}

export async function preflight(input: InstallInput, sys: InstallSystem, existing?: ManagerConfig): Promise<PreflightResult> {
  const config = checkInput(input, sys, existing)
  const notes: string[] = []
  const serviceActive = input.systemd && sys.systemdIsInit() && await sys.unitActive(UNIT_NAME)
  if (serviceActive) notes.push(`${UNIT_NAME} is running: port checks skipped (it holds the ports)`)
  else await checkPorts(config, sys)
  const missingPackages = await checkPackages(input, sys, notes)
  const foreignDhcp = await checkForeignDhcp(config, sys, notes)
  return {config, missingPackages, foreignDhcp, notes, serviceActive}
}
