import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {ExitCode} from '../../errors.js'
import {runPlaybookFile} from '../../services/playbook.js'

export default class PlaybookRun extends BaseCommand<typeof PlaybookRun> {
  static override description = 'Run a playbook (Ansible syntax, common subset) against an inventory'
  static override examples = [
    '<%= config.bin %> playbook run site.yaml -i inventory.yaml',
    '<%= config.bin %> playbook run deploy.yaml -i inventory.yaml --limit node01 -e image=debian12 --check',
  ]
  static override args = {playbook: Args.string({description: 'playbook file', required: true})}
  static override flags = {
    inventory: Flags.string({char: 'i', description: 'inventory file', required: true}),
    check: Flags.boolean({char: 'C', description: 'report what would change, change nothing'}),
    limit: Flags.string({char: 'l', description: 'further limit hosts with a pattern'}),
    forks: Flags.integer({char: 'f', description: 'hosts worked on at once', min: 1, default: 5}),
    'extra-vars': Flags.string({char: 'e', description: 'key=value, JSON/YAML, or @file (repeatable)', multiple: true}),
    tags: Flags.string({char: 't', description: 'only tasks with these tags (comma-separated)', multiple: true}),
    'skip-tags': Flags.string({description: 'skip tasks with these tags (comma-separated)', multiple: true}),
  }

  async run(): Promise<unknown> {
    const ac = new AbortController()
    const stop = () => ac.abort(new Error('interrupted'))
    process.once('SIGINT', stop)
    try {
      const result = await runPlaybookFile({
        playbook: this.args.playbook, inventory: this.flags.inventory, check: this.flags.check, limit: this.flags.limit,
        forks: this.flags.forks, extraVars: this.flags['extra-vars'], tags: this.flags.tags, skipTags: this.flags['skip-tags'],
        output: this.json ? 'json' : process.stdout.isTTY ? 'tree' : 'plain', signal: ac.signal,
      })
      if (!result.ok) this.exit(ExitCode.OperationFailed)
      // Events were already streamed as JSON lines; nothing more for oclif to print.
      return undefined
    } finally {
      process.removeListener('SIGINT', stop)
    }
  }
}
