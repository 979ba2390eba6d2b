import {execa} from 'execa'
import {mkdtemp, mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {EnvironmentError} from '../errors.js'
import {parseCidr} from '../util/net.js'

/**
 * Config drive for the installed OS's first boot, in the two layouts cloud-init reads:
 * OpenStack `config-2` (openstack/latest/*.json) and NoCloud `cidata`. Built on the
 * manager as an ISO9660 image (genisoimage) and written to a partition at the disk's end.
 */
export interface ConfigDriveInput {
  uuid: string
  name: string
  hostname: string
  publicKeys: string[]
  /** NICs in order; the first carries the network unless a bond is given. */
  macs: string[]
  /** Static IPv4; absent → DHCP on the first NIC (or the bond). */
  ipv4?: {address: string; gateway?: string; dns: string[]}
  bond?: {mode: string; macs: string[]}
  userData?: string
}

export type ConfigDriveFormat = 'config-2' | 'cidata'

export type FileTree = Record<string, string>

/** The files of the drive, path → content. Pure: tested without genisoimage. */
export function configDriveFiles(input: ConfigDriveInput, format: ConfigDriveFormat = 'config-2'): FileTree {
  return format === 'config-2' ? openstackFiles(input) : noCloudFiles(input)
}

function openstackFiles(input: ConfigDriveInput): FileTree {
  const keys = Object.fromEntries(input.publicKeys.map((k, i) => [`key-${i}`, k]))
  const meta = {
    uuid: input.uuid,
    name: input.name,
    hostname: input.hostname,
    launch_index: 0,
    public_keys: keys,
    keys: input.publicKeys.map((k, i) => ({name: `key-${i}`, type: 'ssh', data: k})),
  }
  const files: FileTree = {
    'openstack/latest/meta_data.json': JSON.stringify(meta, null, 2) + '\n',
    'openstack/latest/network_data.json': JSON.stringify(networkData(input), null, 2) + '\n',
  }
  if (input.userData !== undefined) files['openstack/latest/user_data'] = input.userData
  return files
}

/** OpenStack network_data.json: links (phy, bond), networks (ipv4 / ipv4_dhcp), DNS services. */
export function networkData(input: ConfigDriveInput): Record<string, unknown> {
  const links: Record<string, unknown>[] = input.macs.map((mac, i) => ({
    id: `nic${i}`, type: 'phy', ethernet_mac_address: mac, mtu: 1500,
  }))
  let carrier = 'nic0'
  if (input.bond) {
    const ids = input.bond.macs.map((m) => {
      const i = input.macs.indexOf(m)
      if (i < 0) throw new Error(`bond member ${m} is not one of the node's NICs (${input.macs.join(', ')})`)
      return `nic${i}`
    })
    links.push({id: 'bond0', type: 'bond', bond_links: ids, bond_mode: input.bond.mode,
      ethernet_mac_address: input.bond.macs[0], mtu: 1500})
    carrier = 'bond0'
  }
  const networks: Record<string, unknown>[] = []
  if (input.ipv4) {
    const cidr = parseCidr(input.ipv4.address)
    if (!cidr) throw new Error(`ipv4 address ${JSON.stringify(input.ipv4.address)} is not CIDR (a.b.c.d/nn)`)
    networks.push({
      id: 'network0', type: 'ipv4', link: carrier, ip_address: cidr.address, netmask: cidr.netmask,
      routes: input.ipv4.gateway ? [{network: '0.0.0.0', netmask: '0.0.0.0', gateway: input.ipv4.gateway}] : [],
      network_id: 'provisioning',
    })
  } else {
    networks.push({id: 'network0', type: 'ipv4_dhcp', link: carrier, network_id: 'provisioning'})
  }
  const services = (input.ipv4?.dns ?? []).map((address) => ({type: 'dns', address}))
  return {links, networks, services}
}

function noCloudFiles(input: ConfigDriveInput): FileTree {
  const meta = [
    `instance-id: ${input.uuid}`,
    `local-hostname: ${input.hostname}`,
    'public-keys:',
    ...input.publicKeys.map((k) => `  - ${JSON.stringify(k)}`),
  ].join('\n') + '\n'
  const eth: Record<string, unknown> = {match: {macaddress: input.macs[0]}, 'set-name': 'eth0'}
  if (input.ipv4) {
    eth.addresses = [input.ipv4.address]
    if (input.ipv4.gateway) eth.routes = [{to: '0.0.0.0/0', via: input.ipv4.gateway}]
    if (input.ipv4.dns.length) eth.nameservers = {addresses: input.ipv4.dns}
  } else {
    eth.dhcp4 = true
  }
  const network = {version: 2, ethernets: {eth0: eth}}
  return {
    'meta-data': meta,
    'user-data': input.userData ?? '#cloud-config\n{}\n',
    // JSON is valid YAML, so cloud-init reads this network-config as is.
    'network-config': JSON.stringify(network, null, 2) + '\n',
  }
}

/** Writes the drive as an ISO9660 image (Rock Ridge + Joliet) and returns its bytes. */
export async function buildConfigDriveIso(input: ConfigDriveInput, format: ConfigDriveFormat = 'config-2'): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'bmpctl-cd-'))
  try {
    const tree = join(dir, 'tree')
    for (const [path, content] of Object.entries(configDriveFiles(input, format))) {
      await mkdir(dirname(join(tree, path)), {recursive: true})
      await writeFile(join(tree, path), content)
    }
    const out = join(dir, 'drive.iso')
    const label = format === 'config-2' ? 'config-2' : 'cidata'
    try {
      await execa('genisoimage', ['-quiet', '-o', out, '-V', label, '-J', '-R', '-input-charset', 'utf-8', tree])
    } catch (err) {
      if ((err as {code?: string}).code === 'ENOENT') {
        throw new EnvironmentError('genisoimage not found; it builds config drives', 'install the Debian package genisoimage (scripts/deps.sh does)')
      }
      throw err
    }
    return await readFile(out)
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}
