import {answeredBy, bootMismatch, bootWarning, describeBoot, readBoot, requireBmcFor, setBoot} from '../bmc/ops.js'
import type {BootDevice, BootDeviceSetting} from '../bmc/types.js'
import type {TaskContext, TaskModule, TaskResult} from './types.js'

export interface BootDeviceParams {
  device: Exclude<BootDevice, 'none'>
  persistent: boolean
  uefi: boolean
}

/** Set the next (or every) boot device, then read it back: BMCs are known to ignore it. */
const bootDevice: TaskModule<BootDeviceParams> = {
  name: 'boot_device',
  description: 'Set the boot device override of the host through its BMC, verifying by read-back',
  params: {
    device: {type: 'str', required: true, choices: ['pxe', 'disk', 'cdrom', 'bios'], description: 'device to boot from'},
    persistent: {type: 'bool', default: false, description: 'keep for every boot instead of the next one only'},
    uefi: {type: 'bool', default: false, description: 'boot in UEFI mode (else legacy BIOS)'},
  },
  supportsCheckMode: true,
  async run(ctx: TaskContext<BootDeviceParams>): Promise<TaskResult> {
    const bmc = await requireBmcFor(ctx.services, 'boot_device')(ctx.host)
    const want: BootDeviceSetting = {device: ctx.params.device, persistent: ctx.params.persistent, uefi: ctx.params.uefi}
    const canRead = bmc.features.has('boot-device-get')
    const current = canRead ? await readBoot(bmc, ctx.signal) : undefined
    if (current && !bootMismatch(want, current).length) {
      return {changed: false, boot_device: current, answered_by: answeredBy(bmc), msg: `already ${describeBoot(current)}`}
    }
    const was = current ? describeBoot(current) : 'unknown'
    if (ctx.check) return {changed: true, boot_device: current, msg: `would set ${describeBoot(want)} (now ${was})`}
    await setBoot(bmc, want, ctx.signal)
    const result: TaskResult = {changed: true, previous: current, answered_by: answeredBy(bmc), msg: `${was} → ${describeBoot(want)}`}
    if (!canRead) return {...result, boot_device: want, warnings: ['BMC cannot read the boot device back; not verified']}
    const after = await readBoot(bmc, ctx.signal)
    const warning = bootWarning(want, after)
    if (warning) ctx.log.warn(warning, {host: ctx.host})
    return {...result, boot_device: after, ...(warning ? {warnings: [warning]} : {})}
  },
}

export default bootDevice
