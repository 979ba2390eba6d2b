import {liveosFacts, nodeView} from '../deploy/context.js'
import {chooseRootDevice, type Disk, type RootDeviceHints} from '../deploy/root-device.js'
import {requireStore} from './node_state.js'
import type {TaskContext, TaskModule, TaskResult} from './types.js'

export interface RootDeviceParams {
  hints?: RootDeviceHints
}

/** Picks the install disk from the disks the LiveOS reported, by root device hints. */
const rootDevice: TaskModule<RootDeviceParams> = {
  name: 'root_device',
  description: 'Choose the disk to install on from the LiveOS facts and root device hints',
  params: {
    hints: {type: 'dict', description: 'root device hints (name, size, model, serial, wwn, vendor, rotational); default: properties.root_device'},
  },
  supportsCheckMode: true,
  async run(ctx: TaskContext<RootDeviceParams>): Promise<TaskResult> {
    const store = requireStore(ctx, 'root_device')
    const facts = liveosFacts(store, ctx.host, 'root_device')
    const fromSpec = nodeView(ctx, store).properties.root_device
    const hints = (ctx.params.hints && Object.keys(ctx.params.hints).length ? ctx.params.hints
      : fromSpec && typeof fromSpec === 'object' ? fromSpec : {}) as RootDeviceHints
    const disks: Disk[] = (facts.disks ?? []).map((d) => ({
      name: d.name, sizeBytes: d.sizeBytes ?? 0, model: d.model ?? undefined, serial: d.serial ?? undefined,
      wwn: d.wwn ?? undefined, rotational: d.rotational,
    }))
    let choice: ReturnType<typeof chooseRootDevice>
    try {
      choice = chooseRootDevice(disks, hints)
    } catch (err) {
      return {changed: false, failed: true, msg: `root device hints: ${(err as Error).message}`}
    }
    if (!choice.disk) return {changed: false, failed: true, hints, msg: `no root device for ${ctx.host}: ${choice.reason}`}
    const device = `/dev/${choice.disk.name}`
    return {
      changed: false, device, size: choice.disk.sizeBytes, model: choice.disk.model ?? null, reason: choice.reason,
      msg: `${device} (${choice.reason})`, facts: {root_device: device},
    }
  },
}

export default rootDevice
