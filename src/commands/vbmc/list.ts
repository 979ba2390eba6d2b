import {BaseCommand} from '../../base-command.js'
import {formatVbmcList, listVbmcs, type VbmcListEntry} from '../../services/vbmc.js'

export default class VbmcList extends BaseCommand<typeof VbmcList> {
  static override description = 'List recorded virtual BMCs with their ports and whether they are running or dead'
  static override examples = ['<%= config.bin %> vbmc list', '<%= config.bin %> vbmc list --json | jq -r \'.[] | select(.status == "dead") | .name\'']

  async run(): Promise<VbmcListEntry[]> {
    const rows = listVbmcs(this.dataDir)
    if (!this.json) this.log(formatVbmcList(rows))
    return rows
  }
}
