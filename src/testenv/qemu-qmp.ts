import {connect} from 'node:net'

/**
 * One-shot QMP command over qemu's unix socket: greeting → qmp_capabilities → command.
 * Hand-written: QMP is a few lines of newline-delimited JSON; no npm client fits better.
 */
export function qmpCommand(socketPath: string, execute: string, args?: Record<string, unknown>, timeoutMs = 5000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath)
    let buf = ''
    let stage: 'greeting' | 'caps' | 'command' = 'greeting'
    const finish = (err: Error | undefined, value?: unknown) => {
      clearTimeout(timer)
      sock.destroy()
      if (err) reject(err)
      else resolve(value)
    }
    const timer = setTimeout(() => finish(new Error(`QMP ${execute}: no answer within ${timeoutMs} ms`)), timeoutMs)
    sock.on('error', (err) => finish(new Error(`QMP ${execute}: ${err.message}`)))
    // qemu closes the socket while quitting, before or after answering: both mean done.
    sock.on('close', () => finish(stage === 'command' && execute === 'quit' ? undefined : new Error(`QMP ${execute}: connection closed`)))
    sock.on('data', (d) => {
      buf += d.toString()
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim()
        buf = buf.slice(nl + 1)
        if (!line) continue
        const msg = JSON.parse(line) as {QMP?: unknown; return?: unknown; error?: {desc?: string}; event?: string}
        if (msg.event) continue
        if (stage === 'greeting' && msg.QMP) {
          stage = 'caps'
          sock.write(JSON.stringify({execute: 'qmp_capabilities'}) + '\n')
        } else if (stage === 'caps') {
          if (msg.error) return finish(new Error(`QMP capabilities: ${msg.error.desc}`))
          stage = 'command'
          sock.write(JSON.stringify(args ? {execute, arguments: args} : {execute}) + '\n')
        } else if (stage === 'command') {
          return msg.error ? finish(new Error(`QMP ${execute}: ${msg.error.desc}`)) : finish(undefined, msg.return)
        }
      }
    })
  })
}
