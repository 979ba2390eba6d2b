import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {labStatus, type LabStatus} from '../../services/testenv.js'

export default class TestenvStatus extends BaseCommand<typeof TestenvStatus> {
  static override description = 'Show a virtual lab: VMs and their power, BMC endpoints, console logs'
  static override examples = ['<%= config.bin %> testenv status', '<%= config.bin %> testenv status --json']
  static override flags = {
    name: Flags.string({description: 'lab name', default: 'lab'}),
  }

  async run(): Promise<LabStatus> {
    const s = labStatus(this.dataDir, this.flags.name)
    if (!this.json) {
      this.log(`lab ${s.name}: ${s.up ? `up (daemon PID ${s.daemonPid})` : 'down'}, namespace ${s.namespace}${s.namespaceExists ? '' : ' (missing)'}`)
      this.log(`inventory ${s.inventory}`)
      this.log(`guest login: ip netns exec ${s.namespace} ssh -i ${s.sshKey} root@<node ipv4>`)
      for (const n of s.nodes) this.log(`  ${n.name.padEnd(8)} ${n.power.padEnd(4)} ${n.mac}  ${n.bmc.padEnd(26)} ${n.consoleLog}`)
    }
    return s
  }
}
