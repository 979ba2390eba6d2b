import {createHash} from 'node:crypto'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {buildConfigDriveIso, type ConfigDriveFormat, type ConfigDriveInput} from '../deploy/configdrive.js'
import {formatDuration, nodeView, nowMs, requireDeploy, type NodeView} from '../deploy/context.js'
import {withLiveOs} from '../deploy/liveos-session.js'
import {appendPartitionScript, parseTableOutput, planConfigDrive, readTableScript, relocateGptScript, writeIsoScript} from '../deploy/partition.js'
import type {SshSession} from '../deploy/ssh.js'
import {requireStore} from './node_state.js'
import type {TaskContext, TaskModule, TaskResult} from './types.js'

export interface ConfigDriveParams {
  device: string
  format: ConfigDriveFormat
  user_data?: string
  ssh_keys?: string[]
}

/** A stable UUID (v5 layout) from the node name, for nodes enrolled without one. */
export function uuidFromName(name: string): string {
  const h = createHash('sha1').update(`bmpctl:node:${name}`).digest()
  h[6] = (h[6] & 0x0f) | 0x50
  h[8] = (h[8] & 0x3f) | 0x80
  const x = h.subarray(0, 16).toString('hex')
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`
}

/** The operator's own public keys, the last resort for logging into the installed OS. */
function operatorKeys(): string[] {
  const dir = join(homedir(), '.ssh')
  if (!existsSync(dir)) return []
  return readdirSync(dir).filter((f) => /^id_.*\.pub$/.test(f)).sort()
    .map((f) => readFileSync(join(dir, f), 'utf8').trim()).filter(Boolean)
}

export function configDriveInput(node: NodeView, params: ConfigDriveParams, vars: Record<string, unknown>): ConfigDriveInput {
  const keys = params.ssh_keys?.length ? params.ssh_keys : node.sshKeys.length ? node.sshKeys : operatorKeys()
  const ipv4 = node.network.ipv4
  const bond = vars.bond as {mode?: string; macs?: string[]} | undefined
  return {
    uuid: node.uuid ?? uuidFromName(node.name),
    name: node.name,
    hostname: node.network.hostname ?? node.name,
    publicKeys: keys,
    macs: node.macs.map((m) => m.toLowerCase()),
    ...(ipv4 ? {ipv4: {address: ipv4.address, gateway: ipv4.gateway, dns: ipv4.dns ?? []}} : {}),
    ...(bond && Array.isArray(bond.macs) ? {bond: {mode: String(bond.mode ?? 'active-backup'), macs: bond.macs.map((m) => String(m).toLowerCase())}} : {}),
    ...(params.user_data !== undefined ? {userData: params.user_data} : {}),
  }
}

/** Appends a partition at the disk's end and writes the ISO to it; returns the partition and its read-back hash. */
async function writeDrive(s: SshSession, device: string, iso: Buffer): Promise<{part: string; sha256: string; label: string}> {
  let {diskBytes, table} = parseTableOutput(await s.run(readTableScript(device), `reading the partition table of ${device}`))
  if (!table) throw new Error(`${device} has no partition table after the image was written; a config drive partition needs one`)
  if (table.label === 'gpt') {
    await s.run(relocateGptScript(device), `moving the GPT backup table of ${device} to the disk's end`)
    ;({diskBytes, table} = parseTableOutput(await s.run(readTableScript(device), `reading the partition table of ${device}`)))
    if (!table) throw new Error(`${device} lost its partition table`)
  }
  const {plan, reason} = planConfigDrive(table, diskBytes, iso.length)
  if (!plan) throw new Error(`no config drive partition on ${device}: ${reason}`)
  const out = await s.run(appendPartitionScript(device, plan), `appending the config drive partition to ${device}`)
  const part = /^part=(\S+)$/m.exec(out)?.[1]
  if (!part) throw new Error(`appending a partition to ${device} printed no device node: ${out.trim()}`)
  const sum = /^sha256=([0-9a-f]{64})$/m.exec(await s.run(writeIsoScript(part, iso.length), `writing the config drive to ${part}`, {stdin: iso}))?.[1]
  return {part, sha256: sum ?? '', label: table.label}
}

/** Builds the config drive ISO from the node spec and writes it to a new partition at the disk's end. */
const configdrive: TaskModule<ConfigDriveParams> = {
  name: 'configdrive',
  description: 'Write a config drive (config-2 or cidata ISO) to a new partition at the end of the install disk',
  params: {
    device: {type: 'str', required: true, description: 'the disk the image was written to'},
    format: {type: 'str', default: 'config-2', choices: ['config-2', 'cidata'], description: 'OpenStack config-2 or NoCloud cidata'},
    user_data: {type: 'str', description: 'cloud-init user data'},
    ssh_keys: {type: 'list', elements: 'str', description: 'public keys (default: the node\'s sshKeys, else ~/.ssh/id_*.pub)'},
  },
  supportsCheckMode: true,
  async run(ctx: TaskContext<ConfigDriveParams>): Promise<TaskResult> {
    const store = requireStore(ctx, 'configdrive')
    const deploy = requireDeploy(ctx, 'configdrive')
    const {device, format} = ctx.params
    if (!device.startsWith('/dev/')) return {changed: false, failed: true, msg: `device ${JSON.stringify(device)} is not a /dev path`}
    const input = configDriveInput(nodeView(ctx, store), ctx.params, ctx.vars)
    if (ctx.check) return {changed: true, device, format, msg: `would write a ${format} config drive to the end of ${device}`}
    const started = nowMs(deploy)
    const iso = await buildConfigDriveIso(input, format)
    const want = createHash('sha256').update(iso).digest('hex')
    ctx.progress(`config drive (${iso.length} bytes) → ${device}`)
    const w = await withLiveOs(ctx, store, deploy, 'configdrive', (s) => writeDrive(s, device, iso))
    const durationSec = (nowMs(deploy) - started) / 1000
    const data = {device, partition: w.part, table: w.label, format, bytes: iso.length, sha256: want, durationSec, keys: input.publicKeys.length}
    if (w.sha256 !== want) {
      store.addEvent(ctx.host, 'deploy.configdrive', `config drive read-back mismatch on ${w.part}`, {...data, readBack: w.sha256})
      return {changed: true, failed: true, ...data, msg: `config drive on ${w.part} reads back sha256:${w.sha256 || '?'}, wrote sha256:${want}`}
    }
    store.addEvent(ctx.host, 'deploy.configdrive', `${format} config drive on ${w.part} in ${formatDuration(durationSec)}`, data)
    return {changed: true, ...data, msg: `${format} config drive written to ${w.part} (${input.publicKeys.length} key${input.publicKeys.length === 1 ? '' : 's'})`}
  },
}

export default configdrive
