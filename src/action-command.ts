import {Command, Flags} from '@oclif/core'
import {BaseCommand} from './base-command.js'
import {ExitCode} from './errors.js'
import {formatHardware, formatReport, summaryLine, type ActionReport} from './services/deploy-report.js'
import {runAction, withInterrupt, type ActionRequest} from './services/deploy.js'
import type {NodeAction} from './services/deploy-targets.js'

/**
 * What deploy, rebuild, undeploy and inspect share: node patterns, forks, extra vars,
 * the live view (TTY table / plain lines / JSON lines), Ctrl-C handling and exit codes.
 */
export abstract class NodeActionCommand<T extends typeof Command> extends BaseCommand<T> {
  static sharedFlags = {
    forks: Flags.integer({char: 'f', description: 'nodes worked on at once', min: 1, default: 10}),
    'extra-vars': Flags.string({char: 'e', description: 'key=value, JSON/YAML, or @file for the playbook (repeatable)', multiple: true}),
    timeout: Flags.string({description: 'how long to wait for the LiveOS call-back (e.g. 30m; default 30m)'}),
    playbook: Flags.string({description: 'run this playbook instead of the built-in one (for testing custom flows)', helpGroup: 'ADVANCED'}),
  }

  /** Runs the action over the node patterns given as arguments; prints the final table or JSON summary. */
  protected async runNodeAction(action: NodeAction, extra: Partial<ActionRequest> = {}): Promise<undefined> {
    // Spreading a command class drops inherited statics, so the parse options are spelled out.
    const {argv} = await this.parse({flags: this.ctor.flags, baseFlags: BaseCommand.baseFlags, enableJsonFlag: true, args: this.ctor.args, strict: false})
    const flags = this.flags as Record<string, unknown>
    const report = await withInterrupt((signal) => runAction({
      action, dataDir: this.dataDir, patterns: argv as string[], forks: flags.forks as number, extraVars: flags['extra-vars'] as string[] | undefined,
      playbook: flags.playbook as string | undefined, timeout: flags.timeout as string | undefined, output: this.json ? 'json' : process.stdout.isTTY ? 'tty' : 'plain', signal,
      note: (l) => this.note(l), ...extra,
    }), () => this.note('cancelling: nodes are being rescued and released (Ctrl-C again to exit at once)'))
    this.print(report)
    if (!report.ok) this.exit(ExitCode.OperationFailed)
    // JSON lines were streamed already; nothing more for oclif to print.
    return undefined
  }

  private print(report: ActionReport): void {
    if (this.json) return void process.stdout.write(summaryLine(report) + '\n')
    this.log('\n' + formatReport(report))
    if (report.facts && Object.keys(report.facts).length) this.log('\n' + formatHardware(report.facts))
  }
}
