import {answeredBy, requireBmcFor} from '../bmc/ops.js'
import {BmcError} from '../bmc/types.js'
import type {TaskContext, TaskModule, TaskResult} from './types.js'

/** Read-only facts about the host's BMC (protocol, vendor, firmware, session privilege). */
const bmcInfo: TaskModule<Record<string, never>> = {
  name: 'bmc_info',
  description: 'Gather facts about the host\'s BMC (protocol, manufacturer, product, firmware)',
  params: {},
  supportsCheckMode: true,
  async run(ctx: TaskContext<Record<string, never>>): Promise<TaskResult> {
    const bmc = await requireBmcFor(ctx.services, 'bmc_info')(ctx.host)
    if (!bmc.features.has('info')) throw new BmcError('unsupported', `driver ${bmc.name} cannot report BMC info`, bmc.name)
    const info = await bmc.info!(ctx.signal)
    return {changed: false, bmc_info: info, answered_by: answeredBy(bmc), facts: {bmc_info: info}, msg: info.protocol}
  },
}

export default bmcInfo
