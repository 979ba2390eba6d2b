/**
 * The native inventory form: `nodes:`, `groups:`, `vars:` and site `defaults:` merged
 * under every node (the node wins).
 */
import {dirname, isAbsolute, resolve} from 'node:path'
import {isMap} from 'yaml'
import type {SourcePos} from '../errors.js'
import type {BmcSpec, GroupSpec, ImageSpec, Ipv4Config, NodeNetwork, NodeSpec, PasswordSource} from './model.js'
import {type Entry, type Loc, type YamlSource, join} from './positions.js'
import * as f from './fields.js'
import {inSubnet, parseCidr} from '../util/net.js'
import {checkCredentials, type Draft, type GroupRefs} from './validate.js'

export const TOP_KEYS = ['nodes', 'groups', 'vars', 'defaults'] as const
const NODE_KEYS = ['uuid', 'bmc', 'nics', 'properties', 'network', 'image', 'ssh_keys', 'groups', 'vars']
const BMC_KEYS = ['driver', 'address', 'port', 'username', 'password', 'password_env', 'password_file', 'system_id', 'verify_tls', 'scheme', 'cipher_suite']
const DEFAULT_KEYS = ['bmc', 'image', 'network', 'ssh_keys']
const NETWORK_KEYS = ['hostname', 'ipv4']
const IPV4_KEYS = ['address', 'gateway', 'dns']
const IMAGE_KEYS = ['url', 'checksum']
const GROUP_KEYS = ['hosts', 'children', 'vars']
const PASSWORD_KEYS = ['password', 'password_env', 'password_file'] as const
export const RESERVED_GROUPS = ['all', 'ungrouped']

export interface ParsedInventory {
  nodes: Draft[]
  groups: Map<string, GroupSpec>
  groupRefs: Map<string, GroupRefs>
  vars: Record<string, unknown>
}

interface BmcPart {
  fields: Partial<BmcSpec>
  loc: Loc
  /** The `address:` value, when written. */
  address?: Loc
  /** A password key was written (even if malformed, which is reported on its own). */
  passwordGiven: boolean
}

interface Defaults {
  bmc?: BmcPart
  image?: ImageSpec
  gateway?: {value: string; ref: f.Ref}
  dns?: string[]
  sshKeys?: string[]
}

/** Reads a bmpctl inventory whose root mapping entries are given. */
export function parseBmpctl(src: YamlSource, top: Entry[]): ParsedInventory {
  src.checkKeys(top, TOP_KEYS, 'the inventory (top level)')
  const defaultsLoc = src.get(top, 'defaults')
  const defaults = defaultsLoc ? readDefaults(src, defaultsLoc) : {}
  const nodesLoc = src.get(top, 'nodes')!
  const nodes = (src.entries(nodesLoc, 'a mapping of node name → node') ?? []).map((e) => readNode(src, e, defaults))
  const {groups, groupRefs} = readGroups(src, src.get(top, 'groups'))
  return {nodes, groups, groupRefs, vars: readVars(src, src.get(top, 'vars'))}
}

function readDefaults(src: YamlSource, loc: Loc): Defaults {
  const es = src.entries(loc) ?? []
  src.checkKeys(es, DEFAULT_KEYS, 'defaults')
  const out: Defaults = {}
  const bmc = src.get(es, 'bmc')
  if (bmc) out.bmc = readBmc(src, bmc)
  const image = src.get(es, 'image')
  if (image) out.image = readImage(src, image)
  const ssh = src.get(es, 'ssh_keys')
  if (ssh) out.sshKeys = readSshKeys(src, ssh)
  const net = src.get(es, 'network')
  if (net) {
    const nes = src.entries(net) ?? []
    src.checkKeys(nes, ['ipv4'], 'defaults.network')
    const v4 = src.get(nes, 'ipv4')
    const ves = v4 ? (src.entries(v4) ?? []) : []
    src.checkKeys(ves, ['gateway', 'dns'], 'defaults.network.ipv4')
    const gw = src.get(ves, 'gateway')
    const gateway = gw && f.readIpv4(src.problems, gw, src.value(gw))
    if (gw && gateway) out.gateway = {value: gateway, ref: gw}
    const dns = src.get(ves, 'dns')
    if (dns) out.dns = readDns(src, dns)
  }
  return out
}

function readNode(src: YamlSource, e: Entry, defaults: Defaults): Draft {
  const loc = e.value
  const es = src.entries(loc, 'a mapping (the node\'s fields)') ?? []
  src.checkKeys(es, NODE_KEYS, `node "${e.key}"`)
  const nameRef = {path: loc.path, pos: e.keyPos}
  const get = (k: string) => src.get(es, k)
  const bmcLoc = get('bmc') ?? {node: undefined, path: join(loc.path, 'bmc'), pos: e.keyPos}
  const bmcPart = readBmc(src, bmcLoc)
  const bmc = mergeBmc(src, bmcPart, defaults.bmc, nameRef)
  const nicRefs: f.Ref[] = []
  const nics = readNics(src, get('nics'), nicRefs)
  const spec: NodeSpec = {
    name: e.key,
    bmc,
    nics,
    properties: readVars(src, get('properties')),
    network: readNetwork(src, get('network'), defaults),
    sshKeys: get('ssh_keys') ? readSshKeys(src, get('ssh_keys')!) : (defaults.sshKeys ?? []),
    groups: readNames(src, get('groups')),
    vars: readVars(src, get('vars')),
    pos: e.keyPos,
  }
  const uuid = get('uuid') && f.readUuid(src.problems, get('uuid')!, src.value(get('uuid')!))
  if (uuid) spec.uuid = uuid
  // The image travels as a unit: a default checksum must not attach to a node's own URL.
  const image = get('image') ? readImage(src, get('image')!) : defaults.image
  if (image) spec.image = image
  return {spec, name: nameRef, macs: nicRefs, bmcAddress: bmcPart.address ?? defaults.bmc?.address ?? bmcLoc}
}

function readBmc(src: YamlSource, loc: Loc): BmcPart {
  const es = src.entries(loc) ?? []
  src.checkKeys(es, BMC_KEYS, loc.path)
  const p = src.problems
  const val = (k: string): [Loc, unknown] | undefined => {
    const l = src.get(es, k)
    return l ? [l, src.value(l)] : undefined
  }
  const fields: Partial<BmcSpec> = {}
  const set = <K extends keyof BmcSpec>(k: K, v: BmcSpec[K] | undefined) => {
    if (v !== undefined) fields[k] = v
  }
  let v
  if ((v = val('driver'))) set('driver', f.readDriver(p, v[0], v[1]))
  if ((v = val('address'))) {
    const url = f.readBmcUrl(p, v[0], v[1])
    set('address', url.address)
    set('scheme', url.scheme)
    set('port', url.port)
  }
  if ((v = val('port'))) set('port', f.readPort(p, v[0], v[1]))
  if ((v = val('username'))) set('username', f.readString(p, v[0], v[1]))
  if ((v = val('system_id'))) set('systemId', f.readString(p, v[0], v[1]))
  if ((v = val('verify_tls'))) set('verifyTls', f.readBool(p, v[0], v[1]))
  if ((v = val('cipher_suite'))) set('cipherSuite', f.readInt(p, v[0], v[1], 0, 17, 'cipher suite'))
  if ((v = val('scheme'))) {
    const s = f.readString(p, v[0], v[1], true)
    if (s === 'http' || s === 'https') fields.scheme = s
    else if (s !== undefined) p.add(v[0].path, v[0].pos, `unknown scheme "${s}"`, 'use http or https')
  }
  set('password', readPassword(src, es, loc))
  const passwordGiven = es.some((e) => (PASSWORD_KEYS as readonly string[]).includes(e.key))
  return {fields, loc, address: src.get(es, 'address'), passwordGiven}
}

function readPassword(src: YamlSource, es: Entry[], loc: Loc): PasswordSource | undefined {
  const given = es.filter((e) => (PASSWORD_KEYS as readonly string[]).includes(e.key))
  if (given.length > 1) {
    const e = given[1]
    src.problems.add(loc.path, e.keyPos, `more than one password source (${given.map((g) => g.key).join(', ')})`, 'give exactly one of password, password_env, password_file')
    return undefined
  }
  const e = given[0]
  if (!e) return undefined
  const s = f.readString(src.problems, e.value, src.value(e.value), true)
  if (s === undefined) {
    if (src.isNull(e.value)) src.problems.add(e.value.path, e.keyPos, `${e.key} is empty`)
    return undefined
  }
  if (e.key === 'password') return {value: s}
  if (e.key === 'password_env') {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) return {env: s}
    src.problems.add(e.value.path, e.value.pos, `malformed environment variable name "${s}"`, 'use letters, digits and _ (e.g. BMC_PASSWORD)')
    return undefined
  }
  // Relative password files are relative to the inventory, not the working directory.
  return {file: isAbsolute(s) || src.file === '<inline>' ? s : resolve(dirname(src.file), s)}
}

function mergeBmc(src: YamlSource, node: BmcPart, defaults: BmcPart | undefined, nameRef: {path: string; pos?: SourcePos}): BmcSpec {
  const d = defaults?.fields ?? {}
  const bmc = {driver: 'ipmi', address: '', ...d, ...node.fields} as BmcSpec
  if (!node.fields.password && d.password) bmc.password = d.password
  const path = node.loc.path
  const pos = node.loc.keyPos ?? nameRef.pos
  if (!bmc.address && bmc.driver !== 'fake' && !node.address && !defaults?.address) {
    src.problems.add(join(path, 'address'), pos, 'missing BMC address', 'set bmc.address (IPv4 address or DNS name)')
  }
  const hint = `set it under ${path} or under defaults.bmc (password, password_env or password_file)`
  // A malformed password entry is already reported; "missing" on top would be noise.
  const given = node.passwordGiven || (!node.fields.password && defaults?.passwordGiven)
  const checked = given && !bmc.password ? {...bmc, password: {value: ''}} : bmc
  checkCredentials(src.problems, checked, {username: {path: join(path, 'username'), pos}, password: {path: join(path, 'password'), pos}, hint})
  return bmc
}

/** NIC list: `- mac: …` maps (other keys limited to `allowed`) or bare MAC strings. */
export function readNics(src: YamlSource, loc: Loc | undefined, refs: f.Ref[], allowed: readonly string[] = ['mac']): {mac: string}[] {
  const out: {mac: string}[] = []
  for (const item of (loc && src.items(loc)) ?? []) {
    let macLoc = item
    if (isMap(src.deref(item.node))) {
      const es = src.entries(item) ?? []
      src.checkKeys(es, allowed, item.path)
      macLoc = src.get(es, 'mac') ?? {node: undefined, path: join(item.path, 'mac'), pos: item.pos}
    }
    const mac = f.readMac(src.problems, macLoc, src.value(macLoc))
    if (mac) {
      out.push({mac})
      refs.push(macLoc)
    }
  }
  return out
}

function readNetwork(src: YamlSource, loc: Loc | undefined, defaults: Defaults): NodeNetwork {
  const net: NodeNetwork = {}
  const es = (loc && src.entries(loc)) || []
  src.checkKeys(es, NETWORK_KEYS, loc?.path ?? 'network')
  const host = src.get(es, 'hostname')
  const hostname = host && f.readHostname(src.problems, host, src.value(host))
  if (hostname) net.hostname = hostname
  const v4 = src.get(es, 'ipv4')
  if (v4) {
    const ipv4 = readIpv4Config(src, v4, defaults)
    if (ipv4) net.ipv4 = ipv4
  }
  return net
}

function readIpv4Config(src: YamlSource, loc: Loc, defaults: Defaults): Ipv4Config | undefined {
  const es = src.entries(loc) ?? []
  src.checkKeys(es, IPV4_KEYS, loc.path)
  const addrLoc = src.get(es, 'address')
  if (!addrLoc) {
    src.problems.add(join(loc.path, 'address'), loc.pos, 'missing IPv4 address', 'set address in CIDR form, e.g. 192.0.2.10/24')
    return undefined
  }
  const address = f.readCidr(src.problems, addrLoc, src.value(addrLoc))
  const gwLoc = src.get(es, 'gateway')
  const gwRef = gwLoc ?? defaults.gateway?.ref
  const gateway = gwLoc ? f.readIpv4(src.problems, gwLoc, src.value(gwLoc)) : defaults.gateway?.value
  const dnsLoc = src.get(es, 'dns')
  const dns = dnsLoc ? readDns(src, dnsLoc) : (defaults.dns ?? [])
  if (!address) return undefined
  if (gateway && gwRef) checkGateway(src, address, gateway, gwRef)
  return gateway ? {address, gateway, dns} : {address, dns}
}

function checkGateway(src: YamlSource, address: string, gateway: string, ref: f.Ref): void {
  const cidr = parseCidr(address)
  if (cidr && !inSubnet(gateway, cidr)) {
    src.problems.add(ref.path, ref.pos, `gateway ${gateway} is outside the subnet of ${address}`, 'the gateway must be on the node\'s own subnet')
  }
}

function readDns(src: YamlSource, loc: Loc): string[] {
  const single = src.value(loc)
  if (typeof single === 'string') return f.readIpv4List(src.problems, loc, single)
  const items = src.items(loc) ?? []
  return f.readIpv4List(src.problems, loc, items.map((i) => src.value(i)), items)
}

function readImage(src: YamlSource, loc: Loc): ImageSpec | undefined {
  const es = src.entries(loc) ?? []
  src.checkKeys(es, IMAGE_KEYS, loc.path)
  const urlLoc = src.get(es, 'url')
  const url = urlLoc && f.readString(src.problems, urlLoc, src.value(urlLoc), true)
  if (!url) {
    if (!urlLoc) src.problems.add(join(loc.path, 'url'), loc.pos, 'missing image url', 'set url to an http(s):// or file:// image location')
    return undefined
  }
  const sumLoc = src.get(es, 'checksum')
  const checksum = sumLoc && f.readString(src.problems, sumLoc, src.value(sumLoc), true)
  return checksum ? {url, checksum} : {url}
}

function readSshKeys(src: YamlSource, loc: Loc): string[] {
  const out: string[] = []
  for (const item of src.items(loc) ?? []) {
    const key = f.readString(src.problems, item, src.value(item), true)?.trim()
    if (key === undefined) continue
    if (!/^(ssh-|ecdsa-|sk-)\S+\s+\S+/.test(key)) src.problems.add(item.path, item.pos, 'does not look like an SSH public key', 'paste the content of a .pub file (e.g. "ssh-ed25519 AAAA… user@host")')
    else out.push(key)
  }
  return out
}

export function readNames(src: YamlSource, loc: Loc | undefined, refs?: f.Ref[]): string[] {
  const out: string[] = []
  for (const item of (loc && src.items(loc)) ?? []) {
    const s = f.readString(src.problems, item, src.value(item))
    if (s !== undefined) {
      out.push(s)
      refs?.push(item)
    }
  }
  return out
}

export function readVars(src: YamlSource, loc: Loc | undefined): Record<string, unknown> {
  if (!loc || src.isNull(loc)) return {}
  const v = src.value(loc)
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>
  src.problems.add(loc.path, loc.pos, 'must be a mapping', 'use `name: value` lines')
  return {}
}

function readGroups(src: YamlSource, loc: Loc | undefined): {groups: Map<string, GroupSpec>; groupRefs: Map<string, GroupRefs>} {
  const groups = new Map<string, GroupSpec>()
  const groupRefs = new Map<string, GroupRefs>()
  for (const e of (loc && src.entries(loc, 'a mapping of group name → group')) || []) {
    if (RESERVED_GROUPS.includes(e.key)) {
      src.problems.add(e.value.path, e.keyPos, `group name "${e.key}" is reserved`, e.key === 'all' ? 'put variables for every host in the top-level vars:' : 'ungrouped is computed; choose another name')
      continue
    }
    const es = src.entries(e.value) ?? []
    src.checkKeys(es, GROUP_KEYS, `group "${e.key}"`)
    const refs: GroupRefs = {group: {path: e.value.path, pos: e.keyPos}, hosts: [], children: []}
    const hosts = readNames(src, src.get(es, 'hosts'), refs.hosts)
    const children = readNames(src, src.get(es, 'children'), refs.children)
    groups.set(e.key, {name: e.key, hosts, children, vars: readVars(src, src.get(es, 'vars'))})
    groupRefs.set(e.key, refs)
  }
  return {groups, groupRefs}
}
