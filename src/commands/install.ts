import {Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {createLogger} from '../log.js'
import {install, type InstallReport, type StepResult} from '../services/install.js'

const MARK: Record<StepResult['status'], string> = {changed: '✓', unchanged: '✓', skipped: '-'}

export default class Install extends BaseCommand<typeof Install> {
  static override description = 'Set up this machine as the provisioning manager: packages, TFTP/HTTP roots, LiveOS, deploy key, config, systemd unit'
  static override examples = [
    '<%= config.bin %> install --interface br0 --address 192.0.2.1/24 --yes',
    '<%= config.bin %> install --interface eth1 --mode proxy --no-systemd',
    '<%= config.bin %> install --interface eth1 --mode dynamic --dhcp-range 192.0.2.100-192.0.2.199',
  ]
  static override flags = {
    interface: Flags.string({description: 'provisioning interface (facing the nodes)'}),
    address: Flags.string({description: "manager's address on that interface, CIDR (default: the interface's first IPv4)"}),
    'dhcp-range': Flags.string({description: 'dynamic pool A-B inside the subnet (dynamic mode)'}),
    mode: Flags.string({description: 'DHCP mode', options: ['reservations', 'dynamic', 'proxy', 'off']}),
    'http-port': Flags.integer({description: 'HTTP port for boot scripts, LiveOS and images (default 8080)'}),
    'no-systemd': Flags.boolean({description: 'do not write or enable bmpctl.service'}),
    yes: Flags.boolean({char: 'y', description: 'install missing Debian packages without asking'}),
  }

  async run(): Promise<InstallReport> {
    const f = this.flags
    const report = await install({
      dataDir: this.dataDir, interface: f.interface, address: f.address, dhcpRange: f['dhcp-range'], mode: f.mode,
      httpPort: f['http-port'], systemd: !f['no-systemd'], yes: f.yes,
      log: createLogger({level: f.verbose ? 'info' : 'warn', format: 'text'}),
      onStep: (r) => this.note(`${MARK[r.status]} ${r.step.padEnd(13)} ${r.status}${r.detail ? `  (${r.detail})` : ''}`),
    })
    for (const n of report.notes) this.note(`note: ${n}`)
    this.note(report.changed ? `installed into ${report.dataDir}` : `nothing to change in ${report.dataDir}`)
    return report
  }
}
