import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {ExitCode} from '../errors.js'
import {closeAllIpmiSessions} from '../protocols/ipmi/pool.js'
import {enrollFile, formatEnrollTable, type EnrollRow} from '../services/enroll.js'
import {openStore} from '../state/store.js'

export default class Enroll extends BaseCommand<typeof Enroll> {
  static override description = `Register the nodes of an inventory and check their BMCs

Nodes whose BMC answers move enroll → manageable → available; a failed check keeps the node in "enroll" with the reason as its last error. Nodes already past enroll keep their state (only their spec is updated). --dry-run writes nothing and contacts no BMC.`
  static override examples = [
    '<%= config.bin %> enroll inventories/example.yaml',
    '<%= config.bin %> enroll inventories/bifrost.json --limit compute --forks 20',
    '<%= config.bin %> enroll nodes.csv --dry-run --json | jq -r \'.[] | select(.result != "unchanged") | .node\'',
  ]
  static override args = {
    inventory: Args.string({description: 'inventory file (.yaml, .json, .csv; bmpctl or Bifrost form)', required: true}),
  }
  static override flags = {
    limit: Flags.string({char: 'l', description: 'only nodes matching this host pattern (e.g. "compute:!node-3")'}),
    'dry-run': Flags.boolean({description: 'validate and show what would change; write nothing, contact no BMC'}),
    'skip-bmc-check': Flags.boolean({description: 'store the nodes without contacting their BMCs; new nodes become available unverified'}),
    forks: Flags.integer({char: 'f', description: 'BMC checks in parallel', default: 10, min: 1}),
  }

  async run(): Promise<EnrollRow[]> {
    const {limit, forks} = this.flags
    const store = openStore(this.dataDir)
    let report
    try {
      report = await enrollFile(store, this.args.inventory, {
        limit, forks, dryRun: this.flags['dry-run'], skipBmcCheck: this.flags['skip-bmc-check'],
        onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
      })
    } finally {
      store.close()
      await closeAllIpmiSessions()
    }
    if (!this.json) this.log(formatEnrollTable(report))
    if (report.failed) process.exitCode = ExitCode.OperationFailed
    return report.rows
  }
}
