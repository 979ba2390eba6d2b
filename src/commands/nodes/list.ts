import {BaseCommand} from '../../base-command.js'
import {formatNodeList, listNodes, withStore, type NodeSummary} from '../../services/nodes.js'

export default class NodesList extends BaseCommand<typeof NodesList> {
  static override description = 'List enrolled nodes: provision state, BMC, MACs and last error'
  static override examples = [
    '<%= config.bin %> nodes list',
    '<%= config.bin %> nodes list --json | jq -r \'.[] | select(.state == "deploy-failed") | .name\'',
  ]

  async run(): Promise<NodeSummary[]> {
    const rows = withStore(this.dataDir, listNodes)
    if (!this.json) this.log(formatNodeList(rows))
    return rows
  }
}
