import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {labDown, type LabDownResult} from '../../services/testenv.js'

export default class TestenvDown extends BaseCommand<typeof TestenvDown> {
  static override description = 'Stop a virtual lab: VMs, virtual BMCs, namespace and its files (safe to run twice)'
  static override examples = ['<%= config.bin %> testenv down', '<%= config.bin %> testenv down --name rf']
  static override flags = {
    name: Flags.string({description: 'lab name', default: 'lab'}),
  }

  async run(): Promise<LabDownResult> {
    const r = await labDown(this.dataDir, this.flags.name)
    const s = r.stopped
    this.note(s.daemon || s.namespace || r.removedFiles.length
      ? `lab ${r.name} is down (daemon ${s.daemon ? 'stopped' : 'not running'}, ${s.vms} stray VMs ended, namespace ${s.namespace ? 'removed' : 'absent'})`
      : `no lab ${r.name}; nothing to do`)
    return r
  }
}
