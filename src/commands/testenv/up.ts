import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {createLogger} from '../../log.js'
import {labUp, type LabStatus} from '../../services/testenv.js'

export default class TestenvUp extends BaseCommand<typeof TestenvUp> {
  static override description = 'Start a virtual lab: qemu nodes behind virtual BMCs on bridge br0 (192.0.2.1/24) in namespace bmp-<name> (root)'
  static override examples = [
    '<%= config.bin %> testenv up --nodes 2',
    '<%= config.bin %> testenv up --nodes 4 --bmc redfish --name rf --disk-size 4',
  ]
  static override flags = {
    name: Flags.string({description: 'lab name (namespace bmp-<name>)', default: 'lab'}),
    nodes: Flags.integer({description: 'number of VMs', default: 2, min: 1}),
    uefi: Flags.boolean({description: 'boot the VMs with UEFI (OVMF) instead of BIOS'}),
    'disk-size': Flags.string({description: 'disk size per VM in GiB (sparse; bmpctl skips disks under 4 GiB as root disks)', default: '8'}),
    memory: Flags.integer({description: 'memory per VM in MiB', default: 512}),
    bmc: Flags.string({description: 'virtual BMC kind', options: ['ipmi', 'redfish'], default: 'ipmi'}),
  }

  async run(): Promise<LabStatus> {
    const log = createLogger({level: this.flags.verbose ? 'debug' : 'info', write: (l) => { if (!this.json || this.flags.verbose) process.stderr.write(l + '\n') }})
    const status = await labUp({
      dataDir: this.dataDir, name: this.flags.name, nodes: this.flags.nodes, uefi: this.flags.uefi,
      diskSizeGiB: Number(this.flags['disk-size']), memoryMiB: this.flags.memory, bmc: this.flags.bmc as 'ipmi' | 'redfish', log,
    })
    this.note(`lab ${status.name} is up: ${status.nodes.length} nodes, inventory ${status.inventory}`)
    this.note(`BMCs and the provisioning bridge live in namespace ${status.namespace}: ip netns exec ${status.namespace} bmpctl …`)
    return status
  }
}
