import {Args} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {stopVbmc, type StopResult} from '../../services/vbmc.js'

export default class VbmcStop extends BaseCommand<typeof VbmcStop> {
  static override description = 'Stop a background virtual BMC (only if its PID still runs our vBMC) and forget it'
  static override examples = ['<%= config.bin %> vbmc stop node-1']
  static override args = {name: Args.string({description: 'vBMC name', required: true})}

  async run(): Promise<StopResult> {
    const r = await stopVbmc(this.dataDir, this.args.name)
    if (!this.json) this.log(r.stopped ? `stopped vBMC ${r.name} (pid ${r.pid})` : `vBMC ${r.name} was not running (pid ${r.pid} gone); record removed`)
    return r
  }
}
