import {formatDuration, nowMs, requireDeploy} from '../deploy/context.js'
import {withLiveOs} from '../deploy/liveos-session.js'
import {diskWipeScript} from '../deploy/scripts.js'
import {requireStore} from './node_state.js'
import type {TaskContext, TaskModule, TaskResult} from './types.js'

export interface DiskWipeParams {
  device: string
  mode: 'metadata' | 'full'
}

/** Wipes the install disk over SSH on the LiveOS so no old table or signature survives. */
const diskWipe: TaskModule<DiskWipeParams> = {
  name: 'disk_wipe',
  description: 'Wipe a disk on the LiveOS: partition tables and signatures (metadata) or every byte (full)',
  params: {
    device: {type: 'str', required: true, description: 'the disk, e.g. /dev/sda'},
    mode: {type: 'str', default: 'metadata', choices: ['metadata', 'full'], description: 'metadata: first/last MiB of the disk and its partitions; full: zero it all'},
  },
  supportsCheckMode: true,
  async run(ctx: TaskContext<DiskWipeParams>): Promise<TaskResult> {
    const store = requireStore(ctx, 'disk_wipe')
    const deploy = requireDeploy(ctx, 'disk_wipe')
    const {device, mode} = ctx.params
    if (!device.startsWith('/dev/')) return {changed: false, failed: true, msg: `device ${JSON.stringify(device)} is not a /dev path`}
    if (ctx.check) return {changed: true, device, mode, msg: `would wipe ${mode} of ${device}`}
    const started = nowMs(deploy)
    ctx.progress(`wiping ${mode} of ${device}`)
    await withLiveOs(ctx, store, deploy, 'disk_wipe', (s) => s.run(diskWipeScript(device, mode), `wiping ${device}`, {signal: ctx.signal}))
    const durationSec = (nowMs(deploy) - started) / 1000
    store.addEvent(ctx.host, 'deploy.disk_wipe', `wiped ${mode} of ${device} in ${formatDuration(durationSec)}`, {device, mode, durationSec})
    return {changed: true, device, mode, duration: durationSec, msg: `wiped ${mode} of ${device}`}
  },
}

export default diskWipe
