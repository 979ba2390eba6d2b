/**
 * Structured logging: one JSON object per line (for `serve`, CI logs) or plain text.
 * Secrets must never be passed in `data`; callers redact first.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error'
const ORDER: Record<Level, number> = {debug: 10, info: 20, warn: 30, error: 40}

export interface Logger {
  debug(msg: string, data?: Record<string, unknown>): void
  info(msg: string, data?: Record<string, unknown>): void
  warn(msg: string, data?: Record<string, unknown>): void
  error(msg: string, data?: Record<string, unknown>): void
  child(fields: Record<string, unknown>): Logger
}

export interface LoggerOptions {
  level?: Level
  format?: 'json' | 'text'
  write?: (line: string) => void
  fields?: Record<string, unknown>
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info'
  const format = opts.format ?? 'text'
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'))
  const fields = opts.fields ?? {}
  const emit = (lvl: Level, msg: string, data?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return
    const all = {...fields, ...data}
    if (format === 'json') {
      write(JSON.stringify({ts: new Date().toISOString(), level: lvl, msg, ...all}))
    } else {
      const kv = Object.entries(all).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      write(`${lvl.padEnd(5)} ${msg}${kv.length ? ' ' + kv.join(' ') : ''}`)
    }
  }
  return {
    debug: (m, d) => emit('debug', m, d),
    info: (m, d) => emit('info', m, d),
    warn: (m, d) => emit('warn', m, d),
    error: (m, d) => emit('error', m, d),
    child: (f) => createLogger({...opts, fields: {...fields, ...f}}),
  }
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = createLogger({write: () => {}})
