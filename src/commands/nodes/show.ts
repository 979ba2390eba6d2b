import {Args} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {formatNodeDetail, showNode, withStore, type NodeDetail} from '../../services/nodes.js'

export default class NodesShow extends BaseCommand<typeof NodesShow> {
  static override description = 'Show one node: state, BMC (password redacted), facts summary and its last 20 events'
  static override examples = [
    '<%= config.bin %> nodes show node01',
    '<%= config.bin %> nodes show node01 --json | jq .events',
  ]
  static override args = {
    name: Args.string({description: 'node name', required: true}),
  }

  async run(): Promise<NodeDetail> {
    const detail = withStore(this.dataDir, (store) => showNode(store, this.args.name))
    if (!this.json) this.log(formatNodeDetail(detail))
    return detail
  }
}
