import {createHash} from 'node:crypto'
import {join} from 'node:path'
import {stringify} from 'yaml'
import {InputError} from '../errors.js'

/** What `testenv up` records about a lab, and the pure helpers that derive it. */

export type LabBmcKind = 'ipmi' | 'redfish'

export interface LabNodeRecord {
  /** Inventory name: lab-0, lab-1, … */
  name: string
  /** qemu -name: unique across labs, so a stray process can be told apart. */
  vmName: string
  mac: string
  tap: string
  disk: string
  consoleLog: string
  bmc: {driver: LabBmcKind; address: string; port: number}
  /** Address the inventory gives the installed OS. */
  ipv4: string
}

export interface LabRecord {
  name: string
  namespace: string
  bridge: 'br0'
  gateway: string
  createdAt: string
  uefi: boolean
  memoryMiB: number
  diskSizeGiB: number
  bmc: LabBmcKind
  /** File holding the lab's random BMC password (mode 0600). */
  passwordFile: string
  daemon: {pid?: number; log: string; entry: string}
  /** Written by the daemon: qemu PID per node while on. */
  runtimeFile: string
  inventory: string
  image: {path: string; url: string; sha256: string}
  nodes: LabNodeRecord[]
}

/** What the daemon writes whenever a machine's power changes. */
export interface LabRuntime {
  daemonPid: number
  ready: boolean
  vms: Record<string, {pid?: number; boot?: string}>
}

export const LAB_GATEWAY = '192.0.2.1'
export const LAB_IMAGE_URL = `http://${LAB_GATEWAY}:8080/images/guest.raw`
const IPMI_BASE_PORT = 6230
const REDFISH_BASE_PORT = 8000
/** Beyond this many nodes the 192.0.2.(20+i) addresses and MAC byte run out. */
export const MAX_LAB_NODES = 200

export interface LabPaths {
  dir: string
  state: string
  inventory: string
  passwordFile: string
  /** Operator key pair for logging into deployed guests (its .pub goes on the config drive). */
  sshKey: string
  runtime: string
  daemonLog: string
  nodeDir: string
  image: string
}

export function validateLabName(name: string): void {
  if (!/^[a-z0-9][a-z0-9-]{0,19}$/.test(name)) {
    throw new InputError(`bad lab name ${JSON.stringify(name)} (--name)`, [], 'use 1-20 lower-case letters, digits or -, starting with a letter or digit')
  }
}

export function labPaths(dataDir: string, name: string): LabPaths {
  const dir = join(dataDir, 'testenv')
  return {
    dir,
    state: join(dir, `${name}.json`),
    inventory: join(dir, `${name}-inventory.yaml`),
    passwordFile: join(dir, `${name}-bmc-password`),
    sshKey: join(dir, `${name}-id_ed25519`),
    runtime: join(dir, `${name}.runtime.json`),
    daemonLog: join(dir, `${name}-daemon.log`),
    nodeDir: join(dir, name),
    image: join(dataDir, 'http', 'images', 'guest.raw'),
  }
}

/** A stable MAC per lab and node: 52:54:00 (qemu's prefix), one byte from the lab name, the node index. */
export function labMac(lab: string, index: number): string {
  const h = createHash('sha256').update(lab).digest()
  const bytes = [0x52, 0x54, 0x00, h[0], h[1], index & 0xff]
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':')
}

export function planNodes(lab: string, count: number, bmc: LabBmcKind, nodeDir: string): LabNodeRecord[] {
  return Array.from({length: count}, (_, i) => ({
    name: `lab-${i}`,
    vmName: `bmp-${lab}-lab-${i}`,
    mac: labMac(lab, i),
    tap: `tap${i}`,
    disk: join(nodeDir, `lab-${i}.raw`),
    consoleLog: join(nodeDir, `lab-${i}.console.log`),
    bmc: {driver: bmc, address: '127.0.0.1', port: (bmc === 'ipmi' ? IPMI_BASE_PORT : REDFISH_BASE_PORT) + i},
    ipv4: `192.0.2.${20 + i}/24`,
  }))
}

/** Where a node's BMC answers (inside the lab namespace). */
export function bmcEndpoint(n: LabNodeRecord): string {
  const {driver, address, port} = n.bmc
  return driver === 'ipmi' ? `ipmi://${address}:${port}` : `http://${address}:${port}/redfish/v1/Systems/${n.name}`
}

/** The lab as a bmpctl inventory (YAML); the password stays in its own file. */
export function renderInventory(rec: Pick<LabRecord, 'name' | 'passwordFile' | 'image' | 'nodes'>, sshKeys: string[] = []): string {
  const nodes = Object.fromEntries(rec.nodes.map((n) => [n.name, {
    bmc: n.bmc.driver === 'ipmi'
      ? {driver: 'ipmi', address: n.bmc.address, port: n.bmc.port}
      : {driver: 'redfish', address: n.bmc.address, port: n.bmc.port, scheme: 'http', verify_tls: false},
    nics: [{mac: n.mac}],
    network: {hostname: n.name, ipv4: {address: n.ipv4}},
  }]))
  const doc = {
    defaults: {
      bmc: {username: 'admin', password_file: rec.passwordFile},
      image: {url: rec.image.url, checksum: `sha256:${rec.image.sha256}`},
      network: {ipv4: {gateway: LAB_GATEWAY, dns: [LAB_GATEWAY]}},
      ...(sshKeys.length ? {ssh_keys: sshKeys} : {}),
    },
    vars: {lab: rec.name},
    nodes,
  }
  const head = `# Virtual lab "${rec.name}" (bmpctl testenv up). BMCs listen inside namespace bmp-${rec.name}:\n# run bmpctl there, e.g. ip netns exec bmp-${rec.name} bmpctl …\n`
  return head + stringify(doc)
}
