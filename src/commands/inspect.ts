import {Args} from '@oclif/core'
import {NodeActionCommand} from '../action-command.js'

export default class Inspect extends NodeActionCommand<typeof Inspect> {
  static override description = `Boot the LiveOS on nodes to collect hardware facts (CPUs, RAM, disks, NICs)

Runs playbooks/inspect.yaml over nodes in "manageable", "available" or "inspect-failed" and prints what was found; the facts are kept on the node (see \`bmpctl nodes show\`).`
  static override examples = [
    '<%= config.bin %> inspect node01',
    '<%= config.bin %> inspect all --json | jq -c \'select(.type == "summary") | .facts\'',
  ]
  // Own static (oclif reads it off the class, inherited statics are not seen): patterns are variadic.
  static override strict = false
  static override args = {patterns: Args.string({description: 'host patterns over enrolled nodes and their groups', required: true})}
  static override flags = {...NodeActionCommand.sharedFlags}

  async run(): Promise<undefined> {
    return this.runNodeAction('inspect')
  }
}
