import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {ExitCode} from '../errors.js'
import {closeAllIpmiSessions} from '../protocols/ipmi/pool.js'
import type {PowerResult} from '../services/bmc.js'
import {durationFlag, formatPowerTable, powerNodes} from '../services/bmc-targets.js'

export default class Power extends BaseCommand<typeof Power> {
  static override description = `Read or change the power state of enrolled nodes through their BMCs

Nodes are chosen with Ansible host patterns over the enrolled nodes and their groups (all, node-1, compute, "rack1:!node-3", "~node-0[1-3]"). Each node gets a bmc.power event naming the provider that answered.`
  static override examples = [
    '<%= config.bin %> power status all',
    '<%= config.bin %> power on compute --wait --timeout 2m',
    '<%= config.bin %> power cycle node-1 node-2 --verbose',
  ]
  static override strict = false
  static override usage = 'power status|on|off|soft|cycle|reset NODE_PATTERN... [--wait] [--timeout D] [--forks N]'
  static override args = {
    action: Args.string({description: 'what to do', required: true, options: ['status', 'on', 'off', 'soft', 'cycle', 'reset']}),
    patterns: Args.string({description: 'host patterns (one or more)', required: true}),
  }
  static override flags = {
    wait: Flags.boolean({char: 'w', description: 'poll until the state the action leads to is reached'}),
    timeout: Flags.string({char: 't', description: 'how long --wait waits (90, 90s, 5m)', default: '60s'}),
    forks: Flags.integer({char: 'f', description: 'nodes worked on at once', default: 10, min: 1}),
    'bmc-timeout': Flags.string({description: 'budget per BMC call and provider', default: '30s'}),
  }

  async run(): Promise<PowerResult[]> {
    const {argv} = await this.parse(this.ctor)
    const patterns = (argv as string[]).slice(1)
    const action = this.args.action as 'status' | 'on' | 'off' | 'soft' | 'cycle' | 'reset'
    const {wait, forks} = this.flags
    let run
    try {
      run = await powerNodes(this.dataDir, patterns, action, {
        forks, wait, waitTimeoutMs: durationFlag('timeout', this.flags.timeout), timeoutMs: durationFlag('bmc-timeout', this.flags['bmc-timeout']),
        onEvent: (e) => { if (e.type === 'attempt') this.debugLine(`${e.node}: ${e.provider} ${e.capability} ${e.ok ? 'ok' : `failed: ${e.error}`}`) },
      })
    } finally {
      await closeAllIpmiSessions()
    }
    for (const w of run.warnings) process.stderr.write(`warning: ${w}\n`)
    if (!this.json) this.log(formatPowerTable(run.results, this.flags.verbose))
    if (run.results.some((r) => !r.ok)) process.exitCode = ExitCode.OperationFailed
    return run.results
  }
}
