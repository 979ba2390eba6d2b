/**
 * Bifrost's inventory (JSON or YAML, a map name → Ironic-style node) so files written for
 * Bifrost load unchanged. Keys Bifrost knows but bmpctl does not use become host vars.
 */
import {readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, isAbsolute, join as joinPath, resolve} from 'node:path'
import type {BmcDriver, BmcSpec, NodeSpec} from './model.js'
import {type Entry, type Loc, type YamlSource, join} from './positions.js'
import * as f from './fields.js'
import {checkCredentials, type Draft} from './validate.js'
import {readNames, readNics, readVars, type ParsedInventory} from './bmpctl.js'

const MAPPED_KEYS = [
  'name', 'uuid', 'driver', 'driver_info', 'nics', 'properties', 'instance_info', 'ipv4_address',
  'ipv4_subnet_mask', 'ipv4_gateway', 'ipv4_nameserver', 'host_groups', 'ssh_public_key_path',
]
/** Bifrost/Ironic node keys accepted as-is and exposed as host vars. */
const PASSTHROUGH_KEYS = [
  'ipv4_interface_mac', 'network_mtu', 'inventory_dhcp', 'inventory_dhcp_static_ip', 'inventory_dns',
  'provisioning_ipv4_address', 'addressing_mode', 'ansible_ssh_host', 'ansible_host', 'ansible_ssh_user',
  'ansible_user', 'node_network_data', 'network_data', 'ipa_kernel_url', 'ipa_ramdisk_url', 'deploy_image',
  'deploy_image_filename', 'deploy_kernel', 'deploy_ramdisk', 'boot_interface', 'console_interface',
  'deploy_interface', 'inspect_interface', 'management_interface', 'network_interface', 'power_interface',
  'raid_interface', 'rescue_interface', 'storage_interface', 'vendor_interface', 'bios_interface',
  'firmware_interface', 'resource_class', 'conductor_group', 'owner', 'lessee', 'description', 'extra',
  'chassis_uuid', 'automated_clean', 'target_raid_config', 'maintenance', 'maintenance_reason', 'protected',
  'retired', 'shard', 'parent_node', 'ipv6_address', 'ipv6_prefix_length', 'ipv6_gateway', 'ipv6_nameserver',
  'ipv6_interface_mac',
]
const NODE_KEYS = [...MAPPED_KEYS, ...PASSTHROUGH_KEYS]
const NIC_KEYS = ['mac', 'extra', 'pxe_enabled', 'local_link_connection', 'physical_network', 'is_smartnic', 'name']
/** Legacy nesting kept by older Bifrost files: driver_info.power.ipmi_address etc. */
const DRIVER_INFO_GROUPS = ['power', 'deploy', 'management', 'console']
const DRIVER_INFO_KEYS = [
  'ipmi_address', 'ipmi_username', 'ipmi_password', 'ipmi_port', 'ipmi_cipher_suite', 'ipmi_priv_level',
  'ipmi_protocol_version', 'ipmi_bridging', 'ipmi_target_channel', 'ipmi_target_address',
  'ipmi_transit_channel', 'ipmi_transit_address', 'ipmi_local_address', 'ipmi_terminal_port',
  'ipmi_force_boot_device', 'ipmi_disable_boot_timeout', 'ipmi_hex_kg_key', 'redfish_address',
  'redfish_system_id', 'redfish_username', 'redfish_password', 'redfish_verify_ca', 'redfish_auth_type',
  'deploy_kernel', 'deploy_ramdisk', 'rescue_kernel', 'rescue_ramdisk', 'bootloader', 'kernel_append_params',
  'force_persistent_boot_device', 'agent_verify_ca',
]
/** Ironic driver names from older Bifrost releases and Ironic's fake type. */
const DRIVER_ALIASES: Record<string, BmcDriver> = {agent_ipmitool: 'ipmi', pxe_ipmitool: 'ipmi', 'fake-hardware': 'fake'}
const DEFAULT_NETMASK = '255.255.255.0'

export function parseBifrost(src: YamlSource, top: Entry[]): ParsedInventory {
  return {nodes: top.map((e) => readNode(src, e)), groups: new Map(), groupRefs: new Map(), vars: {}}
}

function readNode(src: YamlSource, e: Entry): Draft {
  const es = src.entries(e.value, 'a mapping (the node\'s fields, as Bifrost expects)') ?? []
  src.checkKeys(es, NODE_KEYS, `node "${e.key}"`)
  const p = src.problems
  const get = (k: string) => src.get(es, k)
  const val = (k: string) => (get(k) ? src.value(get(k)!) : undefined)
  const nameLoc = get('name')
  // Bifrost keys hosts by their `name` field; the map key is only a label.
  const name = (nameLoc && f.readString(p, nameLoc, val('name'))) || e.key
  const nameRef = nameLoc ?? {path: e.value.path, pos: e.keyPos}
  const macs: f.Ref[] = []
  const {bmc, address} = readBmc(src, e, get('driver'), get('driver_info'))
  const spec: NodeSpec = {
    name,
    bmc,
    nics: readNics(src, get('nics'), macs, NIC_KEYS),
    properties: readVars(src, get('properties')),
    network: {},
    sshKeys: [],
    groups: readNames(src, get('host_groups')),
    vars: {},
    pos: e.keyPos,
  }
  const uuid = get('uuid') && f.readUuid(p, get('uuid')!, val('uuid'))
  if (uuid) spec.uuid = uuid
  readInstanceInfo(src, get('instance_info'), spec)
  readNetwork(src, es, spec)
  const keyPath = get('ssh_public_key_path')
  if (keyPath) readSshKey(src, keyPath, spec)
  for (const k of PASSTHROUGH_KEYS) if (get(k)) spec.vars[k] = val(k)
  return {spec, name: nameRef, macs, bmcAddress: address}
}

function readBmc(src: YamlSource, e: Entry, driverLoc: Loc | undefined, infoLoc: Loc | undefined): {bmc: BmcSpec; address?: Loc} {
  const p = src.problems
  const driverRef = driverLoc ?? {path: join(e.value.path, 'driver'), pos: e.keyPos}
  if (!driverLoc) p.add(driverRef.path, driverRef.pos, 'missing driver', 'set driver to ipmi or redfish')
  const driver = driverLoc ? f.readDriver(p, driverLoc, src.value(driverLoc), DRIVER_ALIASES) : undefined
  const info = flattenDriverInfo(src, infoLoc)
  const bmc: BmcSpec = {driver: driver ?? 'ipmi', address: ''}
  const infoRef = infoLoc ?? {path: join(e.value.path, 'driver_info'), pos: e.keyPos}
  const missing = (k: string) => ({path: join(infoRef.path, k), pos: infoLoc?.keyPos ?? infoRef.pos})
  const str = (k: string, strict = false) => (info.has(k) ? f.readString(p, info.get(k)!, src.value(info.get(k)!), strict) : undefined)
  let address: Loc | undefined
  if (driver === 'redfish') {
    address = info.get('redfish_address')
    const url = address ? f.readBmcUrl(p, address, src.value(address)) : {}
    Object.assign(bmc, {address: url.address ?? '', scheme: url.scheme ?? 'https'}, url.port ? {port: url.port} : {})
    const sys = str('redfish_system_id')
    if (sys) bmc.systemId = sys.replace(/\/+$/, '').split('/').pop()
    const verify = info.get('redfish_verify_ca')
    // A CA bundle path also means "verify".
    if (verify) bmc.verifyTls = typeof src.value(verify) === 'string' && !/^(true|false|yes|no)$/i.test(String(src.value(verify)).trim()) ? true : f.readBool(p, verify, src.value(verify))
    setCredentials(bmc, str('redfish_username'), str('redfish_password', true))
    if (!address) p.add(missing('redfish_address').path, missing('redfish_address').pos, 'missing redfish_address', 'set driver_info.redfish_address, e.g. https://192.0.2.100')
  } else if (driver && driver !== 'fake') {
    address = info.get('ipmi_address')
    bmc.address = (address && f.readHostAddress(p, address, src.value(address))) || ''
    const port = info.get('ipmi_port')
    if (port) bmc.port = f.readPort(p, port, src.value(port))
    const cs = info.get('ipmi_cipher_suite')
    if (cs) bmc.cipherSuite = f.readInt(p, cs, src.value(cs), 0, 17, 'cipher suite')
    setCredentials(bmc, str('ipmi_username'), str('ipmi_password', true))
    if (!address) p.add(missing('ipmi_address').path, missing('ipmi_address').pos, 'missing ipmi_address', 'set driver_info.ipmi_address to the BMC\'s IPv4 address')
  }
  if (driver) {
    const prefix = driver === 'redfish' ? 'redfish' : 'ipmi'
    const hint = `set driver_info.${prefix}_username and driver_info.${prefix}_password`
    checkCredentials(p, bmc, {username: missing(`${prefix}_username`), password: missing(`${prefix}_password`), hint})
  }
  for (const k of ['port', 'cipherSuite', 'systemId', 'verifyTls'] as const) if (bmc[k] === undefined) delete bmc[k]
  return {bmc, address}
}

function setCredentials(bmc: BmcSpec, username: string | undefined, password: string | undefined): void {
  if (username) bmc.username = username
  if (password) bmc.password = {value: password}
}

/** driver_info keys, whether flat or nested under power/deploy/management/console. */
function flattenDriverInfo(src: YamlSource, loc: Loc | undefined): Map<string, Loc> {
  const out = new Map<string, Loc>()
  const visit = (l: Loc, nested: boolean) => {
    for (const e of src.entries(l) ?? []) {
      if (!nested && DRIVER_INFO_GROUPS.includes(e.key)) visit(e.value, true)
      else if (!DRIVER_INFO_KEYS.includes(e.key)) {
        const allowed = nested ? DRIVER_INFO_KEYS : [...DRIVER_INFO_KEYS, ...DRIVER_INFO_GROUPS]
        src.checkKeys([e], allowed, 'driver_info')
      } else out.set(e.key, e.value)
    }
  }
  if (loc) visit(loc, false)
  return out
}

function readInstanceInfo(src: YamlSource, loc: Loc | undefined, spec: NodeSpec): void {
  if (!loc) return
  const es = src.entries(loc)
  if (!es) return
  const urlLoc = src.get(es, 'image_source')
  const url = urlLoc && f.readString(src.problems, urlLoc, src.value(urlLoc), true)
  const sumLoc = src.get(es, 'image_checksum')
  const checksum = sumLoc && f.readString(src.problems, sumLoc, src.value(sumLoc), true)
  if (url) spec.image = checksum ? {url, checksum} : {url}
  // Ironic's instance_info has many more keys (configdrive, root_gb …); playbooks may use them.
  spec.vars.instance_info = src.value(loc) ?? {}
}

function readNetwork(src: YamlSource, es: Entry[], spec: NodeSpec): void {
  const p = src.problems
  const get = (k: string) => src.get(es, k)
  const addrLoc = get('ipv4_address')
  if (!addrLoc || src.isNull(addrLoc)) return
  const raw = src.value(addrLoc)
  const maskLoc = get('ipv4_subnet_mask')
  const bare = typeof raw === 'string' && !raw.includes('/')
  const netmask = maskLoc ? {value: String(src.value(maskLoc)), ref: maskLoc} : bare ? {value: DEFAULT_NETMASK, ref: addrLoc} : undefined
  const address = f.readCidr(p, addrLoc, raw, netmask)
  const gwLoc = get('ipv4_gateway')
  const gateway = gwLoc && f.readIpv4(p, gwLoc, src.value(gwLoc))
  const dnsLoc = get('ipv4_nameserver')
  const dnsItems = dnsLoc && Array.isArray(src.value(dnsLoc)) ? src.items(dnsLoc) : undefined
  const dns = dnsLoc ? f.readIpv4List(p, dnsLoc, src.value(dnsLoc), dnsItems) : []
  if (address) spec.network.ipv4 = gateway ? {address, gateway, dns} : {address, dns}
}

function readSshKey(src: YamlSource, loc: Loc, spec: NodeSpec): void {
  const raw = f.readString(src.problems, loc, src.value(loc), true)
  if (!raw) return
  const expanded = raw.startsWith('~/') ? joinPath(homedir(), raw.slice(2)) : raw
  const path = isAbsolute(expanded) || src.file === '<inline>' ? expanded : resolve(dirname(src.file), expanded)
  try {
    const keys = readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    if (!keys.length) src.problems.add(loc.path, loc.pos, `SSH public key file ${path} is empty`)
    spec.sshKeys.push(...keys)
  } catch (err) {
    src.problems.add(loc.path, loc.pos, `cannot read SSH public key file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'point ssh_public_key_path at a readable .pub file')
  }
}
