/** One line per event, like ansible-playbook's default callback (CI logs, pipes). */
import {recapLine} from '../recap.js'
import type {Reporter, RunEvents, RunEvent} from '../types.js'

const stars = (s: string) => `${s} ${'*'.repeat(Math.max(3, 79 - s.length))}`

export function plainLine(e: RunEvent): string | undefined {
  switch (e.type) {
    case 'play_start': return `\n${stars(`PLAY [${e.play}]`)}`
    case 'task_start': return `\n${stars(`${e.handler ? 'RUNNING HANDLER' : 'TASK'} [${e.task}]`)}`
    case 'warning': return `[WARNING]: ${e.message}`
    case 'progress': return `${e.message.startsWith('FAILED - RETRYING') ? e.message.replace(':', `: [${e.host}]: ${e.task}`) : `progress: [${e.host}] ${e.message}`}`
    case 'host_result': {
      const item = e.item !== undefined ? ` => (item=${e.item})` : ''
      const msg = e.msg ? ` => ${e.msg}` : ''
      switch (e.status) {
        case 'ok': return `ok: [${e.host}]${item}${msg}`
        case 'changed': return `changed: [${e.host}]${item}${msg}`
        case 'skipped': return `skipping: [${e.host}]${item}`
        case 'unreachable': return `fatal: [${e.host}]: UNREACHABLE!${msg}`
        case 'ignored': return `failed: [${e.host}]${item}${msg} ...ignoring`
        case 'rescued': return `failed: [${e.host}]${item}${msg} (rescued)`
        default: return `failed: [${e.host}]${item}${msg}`
      }
    }
    case 'recap': return [`\n${stars('PLAY RECAP')}`, ...Object.entries(e.recap).map(([h, c]) => recapLine(h, c)), e.cancelled ? '\nrun cancelled' : ''].join('\n')
  }
}

export class PlainReporter implements Reporter {
  constructor(private readonly write: (line: string) => void = (l) => process.stdout.write(l + '\n')) {}
  attach(run: RunEvents): void {
    run.onAny((e) => {
      const line = plainLine(e)
      if (line !== undefined) this.write(line)
    })
  }
}
