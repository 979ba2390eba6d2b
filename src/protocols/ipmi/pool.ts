import {createHash} from 'node:crypto'
import {IpmiError} from './errors.js'
import {IPMI_DEFAULTS, IpmiSession, type IpmiSessionOptions} from './session.js'

/**
 * Sessions kept open per BMC (address:port:user) so repeated calls skip the five-exchange
 * handshake. A session idle longer than POOL_IDLE_MS is closed; closeAllIpmiSessions() at shutdown.
 */
export const POOL_IDLE_MS = 5 * 60_000

interface Entry {
  session: Promise<IpmiSession>
  /** Hash of the credentials and suite, to notice a changed password without storing it twice. */
  fingerprint: string
  idle?: NodeJS.Timeout
}

const pool = new Map<string, Entry>()

export function ipmiPoolKey(o: Pick<IpmiSessionOptions, 'address' | 'port' | 'username'>): string {
  return `${o.address}:${o.port ?? IPMI_DEFAULTS.port}:${o.username}`
}

function fingerprint(o: IpmiSessionOptions): string {
  return createHash('sha256').update(`${o.password}\0${o.cipherSuite ?? ''}`).digest('hex')
}

async function acquire(o: IpmiSessionOptions, signal?: AbortSignal): Promise<{session: IpmiSession; reused: boolean}> {
  const key = ipmiPoolKey(o)
  const fp = fingerprint(o)
  const have = pool.get(key)
  if (have && have.fingerprint === fp) {
    const s = await have.session.catch(() => undefined)
    if (s && !s.closed) return {session: s, reused: true}
  }
  if (have) drop(key, have)
  const entry: Entry = {session: IpmiSession.open(o, signal), fingerprint: fp}
  pool.set(key, entry)
  entry.session.catch(() => { if (pool.get(key) === entry) pool.delete(key) })
  return {session: await entry.session, reused: false}
}

function drop(key: string, entry: Entry): void {
  if (pool.get(key) === entry) pool.delete(key)
  clearTimeout(entry.idle)
  entry.session.then((s) => s.close(), () => undefined)
}

function touch(key: string): void {
  const entry = pool.get(key)
  if (!entry) return
  clearTimeout(entry.idle)
  entry.idle = setTimeout(() => drop(key, entry), POOL_IDLE_MS)
  entry.idle.unref()
}

/**
 * Run `fn` on the pooled session for this BMC. A reused session that times out may have
 * been dropped by the BMC: it is replaced by a fresh one and `fn` runs once more.
 */
export async function withIpmiSession<T>(o: IpmiSessionOptions, fn: (s: IpmiSession) => Promise<T>, signal?: AbortSignal): Promise<T> {
  const key = ipmiPoolKey(o)
  const {session, reused} = await acquire(o, signal)
  try {
    return await fn(session)
  } catch (err) {
    if (!(reused && err instanceof IpmiError && err.kind === 'timeout')) throw err
    const entry = pool.get(key)
    if (entry) { pool.delete(key); clearTimeout(entry.idle) }
    session.dispose()
    return await fn((await acquire(o, signal)).session)
  } finally {
    touch(key)
  }
}

/** Close one BMC's pooled session (Close Session sent). */
export async function closeIpmiSession(o: Pick<IpmiSessionOptions, 'address' | 'port' | 'username'>): Promise<void> {
  const key = ipmiPoolKey(o)
  const entry = pool.get(key)
  if (!entry) return
  pool.delete(key)
  clearTimeout(entry.idle)
  await entry.session.then((s) => s.close(), () => undefined)
}

/** Close every pooled session; call at shutdown. */
export async function closeAllIpmiSessions(): Promise<void> {
  const entries = [...pool.values()]
  pool.clear()
  await Promise.all(entries.map((e) => { clearTimeout(e.idle); return e.session.then((s) => s.close(), () => undefined) }))
}

export function pooledIpmiSessionCount(): number {
  return pool.size
}
