import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {withInterrupt} from '../services/deploy.js'
import {openStore} from '../state/store.js'
import {followTimeline, formatEntry, formatTimeline, readTimeline, type TimelineEntry} from '../services/timeline.js'

export default class Events extends BaseCommand<typeof Events> {
  static override description = `A node's timeline: every event (DHCP, TFTP, HTTP, BMC, call-back, SSH steps, state changes) with the time since the one before

--json prints one event per line. --follow keeps printing new events until Ctrl-C.`
  static override examples = [
    '<%= config.bin %> events node01',
    '<%= config.bin %> events node01 --limit 50 --follow',
    '<%= config.bin %> events node01 --json | jq -c \'select(.kind | startswith("dhcp."))\'',
  ]
  static override args = {node: Args.string({description: 'node name', required: true})}
  static override flags = {
    limit: Flags.integer({char: 'n', description: 'only the newest N events', min: 1}),
    follow: Flags.boolean({char: 'f', description: 'keep printing new events as they are recorded'}),
  }

  async run(): Promise<undefined> {
    const store = openStore(this.dataDir)
    try {
      const entries = readTimeline(store, this.args.node, this.flags.limit)
      const show = (list: TimelineEntry[]) => {
        if (this.json) for (const e of list) process.stdout.write(JSON.stringify(e) + '\n')
        else if (list.length) process.stdout.write(list.map(formatEntry).join('\n') + '\n')
      }
      if (!this.json && !entries.length) this.log(formatTimeline(entries, this.args.node))
      show(entries)
      if (this.flags.follow) await withInterrupt((signal) => followTimeline(store, this.args.node, entries.at(-1), show, {signal}))
    } finally {
      store.close()
    }
    // Lines were printed as they came; nothing more for oclif to print.
    return undefined
  }
}
