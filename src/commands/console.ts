import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {durationFlag} from '../services/bmc-targets.js'
import {captureConsole, interactiveConsole} from '../services/console.js'

export default class Console extends BaseCommand<typeof Console> {
  static override description = `Open a node's serial console through its BMC (IPMI Serial-over-LAN)

Interactive by default: the terminal is put in raw mode and "~." at the start of a line quits (as in ssh; "~~" sends one "~"). With --capture the console output is appended to a file, with no input, for --duration or until Ctrl-C.`
  static override examples = [
    '<%= config.bin %> console node-1',
    '<%= config.bin %> console node-1 --capture node-1.console.log --duration 10m',
  ]
  static override args = {node: Args.string({description: 'node name', required: true})}
  static override flags = {
    capture: Flags.string({char: 'c', description: 'append console output to this file instead of an interactive session'}),
    duration: Flags.string({char: 'd', description: 'with --capture: stop after this long (90, 90s, 10m); default until Ctrl-C'}),
  }

  async run(): Promise<unknown> {
    const ac = new AbortController()
    const stop = () => ac.abort()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    try {
      const {capture, duration} = this.flags
      if (capture) {
        const ms = duration === undefined ? undefined : durationFlag('duration', duration)
        this.note(`capturing ${this.args.node} console to ${capture}${ms === undefined ? ' until Ctrl-C' : ''}`)
        const r = await captureConsole(this.dataDir, this.args.node, capture, ms, ac.signal)
        this.note(`captured ${r.bytes} bytes (${r.ended})`)
        return r
      }
      return await interactiveConsole(this.dataDir, this.args.node, {stdin: process.stdin, stdout: process.stdout, note: (l) => process.stderr.write(l + '\n')}, ac.signal)
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    }
  }
}
