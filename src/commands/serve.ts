import {Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {createLogger, type Level} from '../log.js'
import {serve} from '../services/serve.js'

export default class Serve extends BaseCommand<typeof Serve> {
  static override description = 'Run the provisioning services: DHCP, TFTP, HTTP (boot scripts, images, LiveOS call-back)'
  static override examples = [
    '<%= config.bin %> serve',
    '<%= config.bin %> serve --data-dir /var/lib/bmpctl --log-format text --log-level debug',
  ]
  static override flags = {
    'log-format': Flags.string({description: 'log line format on stderr', options: ['json', 'text'], default: 'json'}),
    'log-level': Flags.string({description: 'lowest level logged', options: ['debug', 'info', 'warn', 'error'], default: 'info'}),
  }

  async run(): Promise<void> {
    const log = createLogger({format: this.flags['log-format'] as 'json' | 'text', level: this.flags['log-level'] as Level})
    const ac = new AbortController()
    const stop = (sig: string) => () => { log.info('serve: shutting down', {signal: sig}); ac.abort() }
    const onTerm = stop('SIGTERM'), onInt = stop('SIGINT')
    process.once('SIGTERM', onTerm)
    process.once('SIGINT', onInt)
    try {
      await serve({dataDir: this.dataDir, log, signal: ac.signal})
    } finally {
      process.removeListener('SIGTERM', onTerm)
      process.removeListener('SIGINT', onInt)
    }
  }
}
