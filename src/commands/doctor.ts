import {Args} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {doctorNode, formatDoctor, type DoctorReport} from '../services/doctor.js'
import {withStore} from '../services/nodes.js'

export default class Doctor extends BaseCommand<typeof Doctor> {
  static override description = `Where a node's boot chain stopped, and why that usually happens

Reads the node's latest deploy/inspect attempt from its events: power/BMC → DHCP → TFTP loader → iPXE script → kernel/initrd → LiveOS call-back → SSH steps (wipe, image, config drive) → boot from disk → guest reachable. Each stage shows when it was first seen; the first missing one comes with likely causes, what to check, and the events that hint at it.`
  static override examples = [
    '<%= config.bin %> doctor node01',
    '<%= config.bin %> doctor node01 --json | jq .firstMissing',
  ]
  static override args = {node: Args.string({description: 'node name', required: true})}

  async run(): Promise<DoctorReport> {
    const report = withStore(this.dataDir, (store) => doctorNode(store, this.args.node))
    if (!this.json) this.log(formatDoctor(report))
    return report
  }
}
