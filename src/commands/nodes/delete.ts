import {Args} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {deleteNode, withStore} from '../../services/nodes.js'

export default class NodesDelete extends BaseCommand<typeof NodesDelete> {
  static override description = 'Forget a node: its state, events and boot configs (refused while it is being deployed, inspected or cleaned)'
  static override examples = [
    '<%= config.bin %> nodes delete node01',
  ]
  static override args = {
    name: Args.string({description: 'node name', required: true}),
  }

  async run(): Promise<{deleted: string}> {
    const result = withStore(this.dataDir, (store) => deleteNode(store, this.args.name))
    this.note(`deleted node ${result.deleted} (was ${result.state})`)
    return result
  }
}
