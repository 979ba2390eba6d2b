/**
 * wait_for: wait until a TCP port is open/closed/drained or a file is present/absent
 * (optionally containing a regex), polling every `sleep` seconds until `timeout`.
 */
import {readFile, stat} from 'node:fs/promises'
import {connect} from 'node:net'
import type {TaskModule} from './types.js'
import {sleep} from '../runner/sync.js'

interface P {
  host: string
  port?: number
  path?: string
  state: 'started' | 'present' | 'stopped' | 'absent' | 'drained'
  timeout: number
  delay: number
  sleep: number
  connect_timeout: number
  search_regex?: string
  msg?: string
}

/** Resolves to the first data read (or '') when the port accepts a connection, else undefined. */
function probe(host: string, port: number, timeoutS: number, read: boolean, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = connect({host, port, timeout: timeoutS * 1000})
    let data = ''
    const done = (v: string | undefined) => { sock.destroy(); signal.removeEventListener('abort', onAbort); resolve(v) }
    const onAbort = () => done(undefined)
    signal.addEventListener('abort', onAbort, {once: true})
    sock.once('connect', () => { if (!read) done('') })
    sock.on('data', (d) => { data += d.toString('utf8') })
    sock.once('end', () => done(data))
    sock.once('timeout', () => done(read && data ? data : undefined))
    sock.on('error', () => done(undefined))
  })
}

/** Established TCP connections on a local port, from /proc/net/tcp{,6} (state 01). */
async function established(port: number): Promise<number> {
  let n = 0
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(f, 'utf8').catch(() => '')
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      if (cols.length > 3 && parseInt(cols[1].split(':')[1], 16) === port && cols[3] === '01') n++
    }
  }
  return n
}

async function check(p: P, signal: AbortSignal): Promise<boolean> {
  const re = p.search_regex ? new RegExp(p.search_regex, 'm') : undefined
  if (p.path !== undefined) {
    // Any kind of file counts as present (directories too); the regex needs a readable file.
    const exists = await stat(p.path).then(() => true, () => false)
    if (p.state === 'absent' || p.state === 'stopped') return !exists
    if (!exists || !re) return exists
    const text = await readFile(p.path, 'utf8').catch(() => undefined)
    return text !== undefined && re.test(text)
  }
  const port = p.port!
  if (p.state === 'drained') return (await established(port)) === 0
  const got = await probe(p.host, port, p.connect_timeout, !!re && p.state !== 'stopped', signal)
  if (p.state === 'stopped' || p.state === 'absent') return got === undefined
  return got !== undefined && (!re || re.test(got))
}

const waitFor: TaskModule<P> = {
  name: 'wait_for',
  description: 'Wait for a TCP port or a file to reach a state',
  params: {
    host: {type: 'str', default: '127.0.0.1', description: 'host to connect to'},
    port: {type: 'int', description: 'TCP port'},
    path: {type: 'path', description: 'file to watch'},
    state: {type: 'str', default: 'started', choices: ['started', 'present', 'stopped', 'absent', 'drained']},
    timeout: {type: 'float', default: 300, description: 'seconds before failing'},
    delay: {type: 'float', default: 0, description: 'seconds to wait before the first check'},
    sleep: {type: 'float', default: 1, description: 'seconds between checks'},
    connect_timeout: {type: 'float', default: 5, description: 'seconds per connection attempt'},
    search_regex: {type: 'str', description: 'regex the file or the port banner must match'},
    msg: {type: 'str', description: 'message on timeout'},
  },
  supportsCheckMode: true,
  async run({params: p, signal}) {
    if (p.port === undefined && p.path === undefined) {
      if (p.state !== 'started') return {changed: false, failed: true, msg: 'state needs a port or a path'}
      await sleep(p.delay * 1000, signal)
      return {changed: false, elapsed: p.delay}
    }
    if (p.port !== undefined && p.path !== undefined) return {changed: false, failed: true, msg: 'port and path are mutually exclusive'}
    const start = Date.now()
    await sleep(p.delay * 1000, signal)
    const what = p.path ?? `${p.host}:${p.port}`
    for (;;) {
      if (await check(p, signal)) {
        return {changed: false, elapsed: Math.round((Date.now() - start) / 1000), state: p.state, ...(p.path ? {path: p.path} : {port: p.port})}
      }
      if (signal.aborted) throw signal.reason ?? new Error('cancelled')
      if (Date.now() - start >= p.timeout * 1000) {
        return {changed: false, failed: true, elapsed: Math.round((Date.now() - start) / 1000), msg: p.msg ?? `Timeout when waiting for ${what}`}
      }
      await sleep(Math.min(p.sleep * 1000, Math.max(0, p.timeout * 1000 - (Date.now() - start))), signal)
    }
  },
}
export default waitFor
