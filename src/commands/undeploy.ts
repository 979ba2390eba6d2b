import {Args} from '@oclif/core'
import {NodeActionCommand} from '../action-command.js'

export default class Undeploy extends NodeActionCommand<typeof Undeploy> {
  static override description = `Tear down deployed nodes: boot the LiveOS, wipe the disks, power off, back to "available"

Runs playbooks/undeploy.yaml over nodes in "active", "deploy-failed" or "clean-failed".`
  static override examples = [
    '<%= config.bin %> undeploy node01',
    '<%= config.bin %> undeploy compute --forks 20 --json',
  ]
  // Own static (oclif reads it off the class, inherited statics are not seen): patterns are variadic.
  static override strict = false
  static override args = {patterns: Args.string({description: 'host patterns over enrolled nodes and their groups', required: true})}
  static override flags = {...NodeActionCommand.sharedFlags}

  async run(): Promise<undefined> {
    return this.runNodeAction('undeploy')
  }
}
