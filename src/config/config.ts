import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {LineCounter, parseDocument, isMap, type Node as YamlNode} from 'yaml'
import {EnvironmentError, InputError, type Problem} from '../errors.js'
import {inSubnet, ipToInt, isIpv4, parseCidr, type Cidr} from '../util/net.js'

/**
 * The manager's configuration (`config.yaml` in the data dir), written by `bmpctl install`
 * and read by `bmpctl serve` and `bmpctl deploy`.
 */
export type DhcpMode = 'reservations' | 'dynamic' | 'proxy' | 'off'
export const DHCP_MODES: readonly DhcpMode[] = ['reservations', 'dynamic', 'proxy', 'off']

export interface ManagerConfig {
  /** Provisioning interface (informational for serve; checked by install). */
  interface?: string
  /** Manager address on the provisioning network, CIDR. */
  address: string
  dhcp: {
    mode: DhcpMode
    range?: {start: string; end: string}
    leaseTimeSec: number
    routers: string[]
    dns: string[]
    autoDiscover: boolean
  }
  tftp: {port: number}
  http: {port: number}
}

export const DEFAULT_HTTP_PORT = 8080

export function defaultConfig(address: string): ManagerConfig {
  return {
    address,
    dhcp: {mode: 'reservations', leaseTimeSec: 3600, routers: [], dns: [], autoDiscover: false},
    tftp: {port: 69},
    http: {port: DEFAULT_HTTP_PORT},
  }
}

/** Derived paths and values every service needs. */
export interface ManagerLayout {
  dataDir: string
  configFile: string
  tftpRoot: string
  httpRoot: string
  liveosDir: string
  imagesDir: string
  sshKey: string
  cidr: Cidr
  serverIp: string
  httpBase: string
}

export function layout(dataDir: string, config: ManagerConfig): ManagerLayout {
  const cidr = parseCidr(config.address)
  if (!cidr) throw new InputError(`config address ${JSON.stringify(config.address)} is not CIDR`)
  const httpRoot = join(dataDir, 'http')
  return {
    dataDir,
    configFile: join(dataDir, 'config.yaml'),
    tftpRoot: join(dataDir, 'tftp'),
    httpRoot,
    liveosDir: join(httpRoot, 'liveos'),
    imagesDir: join(httpRoot, 'images'),
    sshKey: join(dataDir, 'ssh', 'id_ed25519'),
    cidr,
    serverIp: cidr.address,
    httpBase: `http://${cidr.address}${config.http.port === 80 ? '' : ':' + config.http.port}`,
  }
}

/** Parses `A-B` into a range inside `cidr` that leaves out the manager; problems named by flag/field. */
export function parseRange(text: string, cidr: Cidr, field: string): {range?: {start: string; end: string}; problems: Problem[]} {
  const m = /^\s*([\d.]+)\s*-\s*([\d.]+)\s*$/.exec(text)
  if (!m || !isIpv4(m[1]) || !isIpv4(m[2])) {
    return {problems: [{path: field, message: `${JSON.stringify(text)} is not a range like 192.0.2.100-192.0.2.199`}]}
  }
  const [start, end] = [m[1], m[2]]
  const problems: Problem[] = []
  const subnet = `${cidr.network}/${cidr.prefix}`
  for (const ip of [start, end]) {
    if (!inSubnet(ip, cidr)) problems.push({path: field, message: `${ip} is outside the provisioning subnet ${subnet}`, hint: `pick addresses inside ${subnet}`})
  }
  if (ipToInt(start) > ipToInt(end)) problems.push({path: field, message: `range start ${start} is after its end ${end}`})
  const me = ipToInt(cidr.address)
  if (!problems.length && ipToInt(start) <= me && me <= ipToInt(end)) {
    problems.push({path: field, message: `range ${start}-${end} covers the manager's own address ${cidr.address}`, hint: 'leave the manager out of the range'})
  }
  for (const edge of [cidr.network, cidr.broadcast]) {
    if (!problems.length && ipToInt(start) <= ipToInt(edge) && ipToInt(edge) <= ipToInt(end) && cidr.prefix < 31) {
      problems.push({path: field, message: `range ${start}-${end} includes ${edge}, the subnet's network or broadcast address`})
    }
  }
  return problems.length ? {problems} : {range: {start, end}, problems}
}

/** Reads and validates config.yaml; every problem carries file:line:col. */
export async function loadConfig(dataDir: string): Promise<ManagerConfig> {
  const file = join(dataDir, 'config.yaml')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new EnvironmentError(`no configuration at ${file}`, 'run `bmpctl install` first (or pass --data-dir)')
    }
    throw new EnvironmentError(`cannot read ${file}: ${(err as Error).message}`)
  }
  return parseConfig(text, file)
}

export function parseConfig(text: string, file: string): ManagerConfig {
  const lc = new LineCounter()
  const doc = parseDocument(text, {lineCounter: lc, uniqueKeys: true})
  const problems: Problem[] = []
  const posOf = (node: YamlNode | null | undefined) => {
    const off = node?.range?.[0] ?? 0
    const {line, col} = lc.linePos(off)
    return {file, line, col}
  }
  for (const e of doc.errors) problems.push({pos: {file, line: e.linePos?.[0].line ?? 1, col: e.linePos?.[0].col ?? 1}, message: e.message.split('\n')[0]})
  if (problems.length) throw new InputError(`${file} is not valid YAML`, problems)
  if (!isMap(doc.contents)) throw new InputError(`${file}: expected a mapping at the top`)
  const raw = doc.toJS() as Record<string, any>
  const at = (path: string[]) => posOf(doc.getIn(path, true) as YamlNode)
  const keyAt = (path: string[]) => {
    const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents
    const pair = isMap(parent) ? parent.items.find((it) => (it.key as {value?: unknown})?.value === path[path.length - 1]) : undefined
    return posOf(pair?.key as YamlNode)
  }
  const known: Record<string, string[]> = {
    '': ['interface', 'address', 'dhcp', 'tftp', 'http'],
    dhcp: ['mode', 'range', 'lease_time', 'routers', 'dns', 'auto_discover'],
    tftp: ['port'],
    http: ['port'],
  }
  for (const [section, keys] of Object.entries(known)) {
    const obj = section ? raw[section] : raw
    if (obj === undefined) continue
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      problems.push({pos: at([section]), path: section, message: 'expected a mapping'})
      continue
    }
    for (const k of Object.keys(obj)) {
      if (!keys.includes(k)) {
        const path = section ? [section, k] : [k]
        problems.push({pos: keyAt(path), path: path.join('.'), message: `unknown key ${JSON.stringify(k)}`, hint: `known keys: ${keys.join(', ')}`})
      }
    }
  }
  const cidr = typeof raw.address === 'string' ? parseCidr(raw.address) : undefined
  if (!cidr) problems.push({pos: at(['address']), path: 'address', message: `${JSON.stringify(raw.address)} is not an address in CIDR form`, hint: 'e.g. address: 192.0.2.1/24'})
  const cfg = defaultConfig(raw.address)
  if (typeof raw.interface === 'string') cfg.interface = raw.interface
  const dhcp = raw.dhcp ?? {}
  if (dhcp.mode !== undefined) {
    if (DHCP_MODES.includes(dhcp.mode)) cfg.dhcp.mode = dhcp.mode
    else problems.push({pos: at(['dhcp', 'mode']), path: 'dhcp.mode', message: `${JSON.stringify(dhcp.mode)} is not one of ${DHCP_MODES.join(', ')}`})
  }
  if (dhcp.range !== undefined && cidr) {
    const r = parseRange(String(dhcp.range), cidr, 'dhcp.range')
    problems.push(...r.problems.map((p) => ({...p, pos: at(['dhcp', 'range'])})))
    cfg.dhcp.range = r.range
  }
  if (cfg.dhcp.mode === 'dynamic' && !cfg.dhcp.range && dhcp.range === undefined) {
    problems.push({pos: at(['dhcp']), path: 'dhcp.range', message: 'dynamic mode needs a range', hint: 'add dhcp.range: A-B'})
  }
  for (const key of ['routers', 'dns'] as const) {
    const list = dhcp[key]
    if (list === undefined) continue
    if (!Array.isArray(list) || !list.every((ip) => typeof ip === 'string' && isIpv4(ip))) {
      problems.push({pos: at(['dhcp', key]), path: `dhcp.${key}`, message: 'expected a list of IPv4 addresses'})
    } else cfg.dhcp[key] = list
  }
  if (dhcp.lease_time !== undefined) {
    if (Number.isInteger(dhcp.lease_time) && dhcp.lease_time >= 60) cfg.dhcp.leaseTimeSec = dhcp.lease_time
    else problems.push({pos: at(['dhcp', 'lease_time']), path: 'dhcp.lease_time', message: 'expected seconds (an integer ≥ 60)'})
  }
  if (dhcp.auto_discover !== undefined) cfg.dhcp.autoDiscover = dhcp.auto_discover === true
  for (const svc of ['tftp', 'http'] as const) {
    const port = raw[svc]?.port
    if (port === undefined) continue
    if (Number.isInteger(port) && port > 0 && port < 65536) cfg[svc].port = port
    else problems.push({pos: at([svc, 'port']), path: `${svc}.port`, message: `${JSON.stringify(port)} is not a port number`})
  }
  if (problems.length) throw new InputError(`${file} has ${problems.length} problem${problems.length > 1 ? 's' : ''}`, problems)
  return cfg
}

/** config.yaml text for a config (what install writes). */
export function renderConfig(cfg: ManagerConfig): string {
  const lines = [
    '# bmpctl manager configuration (written by `bmpctl install`; safe to edit, then restart bmpctl serve)',
    ...(cfg.interface ? [`interface: ${cfg.interface}`] : []),
    `address: ${cfg.address}`,
    'dhcp:',
    `  mode: ${cfg.dhcp.mode}   # reservations | dynamic | proxy | off`,
    ...(cfg.dhcp.range ? [`  range: ${cfg.dhcp.range.start}-${cfg.dhcp.range.end}`] : []),
    `  lease_time: ${cfg.dhcp.leaseTimeSec}`,
    `  routers: [${cfg.dhcp.routers.join(', ')}]`,
    `  dns: [${cfg.dhcp.dns.join(', ')}]`,
    `  auto_discover: ${cfg.dhcp.autoDiscover}`,
    'tftp:',
    `  port: ${cfg.tftp.port}`,
    'http:',
    `  port: ${cfg.http.port}`,
  ]
  return lines.join('\n') + '\n'
}
