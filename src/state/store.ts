import {accessSync, chmodSync, closeSync, constants, mkdirSync, openSync, statSync} from 'node:fs'
import {join} from 'node:path'
import Database from 'better-sqlite3'
import {EnvironmentError, InputError} from '../errors.js'
import type {NodeSpec} from '../inventory/model.js'
import {normalizeMac} from '../util/net.js'
import {NodeBusyError, ReservationError, unknownNode} from './errors.js'
import {migrate} from './migrations.js'
import {canonicalSpec, diffSpecs, rowToRecord, type NodeRow} from './node-rows.js'
import * as pxe from './pxe-tables.js'
import {acquire, heldByOther, readReservation, releaseRow} from './reservations.js'
import {assertTransition, BUSY_STATES, FAILED_STATES} from './states.js'
import * as tokens from './tokens.js'
import {ProvisionState, type BootConfig, type DiscoveredHost, type Lease, type NodeEvent, type NodeRecord,
  type Reservation, type StoredBootConfig, type TokenClaim, type UpsertResult} from './types.js'

export {IllegalTransitionError, assertTransition} from './states.js'
export {ReservationError, NodeBusyError} from './errors.js'

export interface EventQuery {
  /** Without afterId: the newest `limit` events; with afterId: the first `limit` after it. */
  limit?: number
  afterId?: number
  kinds?: string[]
}

export type HeldReservation = Reservation & {release(): void}

interface EventRow {
  id: number
  node: string
  ts: string
  kind: string
  message: string
  data: string | null
}

/** Stores still open, so reservations are released when the process exits normally. */
const openStores = new Set<Store>()
process.on('exit', () => {
  for (const s of openStores) s.close()
})

/** Node store over one SQLite file. Synchronous: every method is one short transaction. */
export class Store {
  readonly path: string
  private readonly db: Database.Database
  /** Re-entrant reservation counts held through this store. */
  private readonly held = new Map<string, number>()

  constructor(db: Database.Database, path: string) {
    this.db = db
    this.path = path
    openStores.add(this)
  }

  // ---- nodes ----

  upsertNode(spec: NodeSpec): UpsertResult {
    const stored = canonicalSpec(spec)
    return this.db.transaction((): UpsertResult => {
      const before = this.getNode(spec.name)
      const now = new Date().toISOString()
      if (before) {
        const fields = diffSpecs(before.spec, stored)
        if (!fields.length) return {result: 'unchanged', fields}
        this.db.prepare('UPDATE nodes SET spec = ?, discovered = 0, updated_at = ? WHERE name = ?').run(JSON.stringify(stored), now, spec.name)
        this.indexMacs(spec)
        this.addEvent(spec.name, 'node.changed', `spec changed: ${fields.join(', ')}`, {fields})
        return {result: 'changed', fields}
      }
      this.db.prepare('INSERT INTO nodes (name, state, spec, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
        .run(spec.name, ProvisionState.Enroll, JSON.stringify(stored), now, now)
      this.indexMacs(spec)
      this.addEvent(spec.name, 'node.added', `added in state ${ProvisionState.Enroll}`)
      return {result: 'added', fields: []}
    }).immediate()
  }

  /** MACs are unique across nodes so the PXE servers map a MAC to exactly one node. */
  private indexMacs(spec: NodeSpec): void {
    this.db.prepare('DELETE FROM node_macs WHERE node = ?').run(spec.name)
    const insert = this.db.prepare('INSERT INTO node_macs (mac, node) VALUES (?, ?)')
    for (const [i, nic] of spec.nics.entries()) {
      const mac = normalizeMac(nic.mac)
      if (!mac) throw new InputError(`node ${spec.name}: nics[${i}].mac ${JSON.stringify(nic.mac)} is not a MAC address`)
      const owner = this.db.prepare('SELECT node FROM node_macs WHERE mac = ?').get(mac) as {node: string} | undefined
      if (owner) {
        throw new InputError(`node ${spec.name}: MAC ${mac} already belongs to node ${owner.node}`, [],
          owner.node === spec.name ? 'a MAC may appear only once per node' : `fix the inventory, or \`bmpctl nodes delete ${owner.node}\` if it was renamed`)
      }
      insert.run(mac, spec.name)
    }
  }

  getNode(name: string): NodeRecord | undefined {
    const row = this.db.prepare('SELECT * FROM nodes WHERE name = ?').get(name) as NodeRow | undefined
    return row && rowToRecord(row)
  }

  listNodes(): NodeRecord[] {
    return (this.db.prepare('SELECT * FROM nodes ORDER BY name').all() as NodeRow[]).map(rowToRecord)
  }

  findNodeByMac(mac: string): NodeRecord | undefined {
    const m = normalizeMac(mac)
    if (!m) return undefined
    const row = this.db.prepare('SELECT n.* FROM nodes n JOIN node_macs m ON m.node = n.name WHERE m.mac = ?').get(m) as NodeRow | undefined
    return row && rowToRecord(row)
  }

  /** The node, or an InputError with a did-you-mean. */
  requireNode(name: string): NodeRecord {
    const node = this.getNode(name)
    if (!node) throw unknownNode(name, this.listNodes().map((n) => n.name))
    return node
  }

  /** Removes the node and its events, boot configs and tokens; refused while it is busy. */
  deleteNode(name: string): void {
    this.db.transaction(() => {
      const node = this.requireNode(name)
      if (BUSY_STATES.has(node.state)) throw new NodeBusyError(name, 'delete', node.state)
      const holder = readReservation(this.db, name)
      if (heldByOther(holder)) throw new ReservationError(name, holder)
      for (const table of ['events', 'boot_configs', 'tokens', 'reservations']) {
        this.db.prepare(`DELETE FROM ${table} WHERE node = ?`).run(name)
      }
      this.db.prepare('DELETE FROM nodes WHERE name = ?').run(name)
      this.held.delete(name)
    }).immediate()
  }

  /** Shallow-merges facts (inspection, LiveOS call-back) into the node's facts. */
  setFacts(name: string, facts: Record<string, unknown>): NodeRecord {
    return this.db.transaction(() => {
      const node = this.requireNode(name)
      const merged = {...node.facts, ...facts}
      this.db.prepare('UPDATE nodes SET facts = ?, updated_at = ? WHERE name = ?').run(JSON.stringify(merged), new Date().toISOString(), name)
      return {...node, facts: merged}
    }).immediate()
  }

  setLastError(name: string, msg: string | undefined): void {
    this.requireNode(name)
    this.db.prepare('UPDATE nodes SET last_error = ?, updated_at = ? WHERE name = ?').run(msg ?? null, new Date().toISOString(), name)
  }

  /** Moves the node along the table; records a state.change event. */
  transition(name: string, to: ProvisionState, opts: {reason?: string; error?: string} = {}): NodeRecord {
    return this.db.transaction(() => {
      const node = this.requireNode(name)
      assertTransition(node.state, to, name)
      const lastError = opts.error ?? (FAILED_STATES.has(to) ? node.lastError : undefined)
      const now = new Date().toISOString()
      this.db.prepare('UPDATE nodes SET state = ?, last_error = ?, updated_at = ? WHERE name = ?').run(to, lastError ?? null, now, name)
      const data: Record<string, unknown> = {from: node.state, to, reason: opts.reason}
      if (opts.error) data.error = opts.error
      this.addEvent(name, 'state.change', `${node.state} → ${to}${opts.reason ? `: ${opts.reason}` : ''}`, data)
      return this.getNode(name)!
    }).immediate()
  }

  // ---- events ----

  addEvent(node: string, kind: string, message: string, data?: Record<string, unknown>): NodeEvent {
    const ts = new Date().toISOString()
    const json = data === undefined ? null : JSON.stringify(data)
    const info = this.db.prepare('INSERT INTO events (node, ts, kind, message, data) VALUES (?, ?, ?, ?, ?)').run(node, ts, kind, message, json)
    return toEvent({id: Number(info.lastInsertRowid), node, ts, kind, message, data: json})
  }

  /** Chronological (oldest first). */
  events(node: string, opts: EventQuery = {}): NodeEvent[] {
    const where = ['node = ?']
    const args: unknown[] = [node]
    if (opts.afterId !== undefined) (where.push('id > ?'), args.push(opts.afterId))
    if (opts.kinds?.length) (where.push(`kind IN (${opts.kinds.map(() => '?').join(', ')})`), args.push(...opts.kinds))
    const newestFirst = opts.afterId === undefined && opts.limit !== undefined
    let sql = `SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY id ${newestFirst ? 'DESC' : 'ASC'}`
    if (opts.limit !== undefined) (sql += ' LIMIT ?', args.push(Math.max(0, Math.floor(opts.limit))))
    const rows = (this.db.prepare(sql).all(...args) as EventRow[]).map(toEvent)
    return newestFirst ? rows.reverse() : rows
  }

  // ---- reservations ----

  /** Reserves the node for this process; re-entrant; a dead holder is taken over. */
  reserve(node: string, purpose: string): HeldReservation {
    const got = this.db.transaction(() => {
      const a = acquire(this.db, node, purpose)
      if (a.tookOver) {
        const old = a.tookOver
        this.addEvent(node, 'reservation.takeover', `took over the reservation of dead pid ${old.pid} on ${old.host} (${old.purpose})`,
          {oldPid: old.pid, oldHost: old.host, oldSince: old.since, oldPurpose: old.purpose, purpose})
      }
      return a
    }).immediate()
    this.held.set(node, (this.held.get(node) ?? 0) + 1)
    let released = false
    return {...got.reservation, release: () => {
      if (released) return
      released = true
      this.releaseOne(node)
    }}
  }

  private releaseOne(node: string): void {
    const n = (this.held.get(node) ?? 0) - 1
    if (n > 0) return void this.held.set(node, n)
    this.held.delete(node)
    if (this.db.open) releaseRow(this.db, node)
  }

  reservation(node: string): Reservation | undefined {
    return readReservation(this.db, node)
  }

  // ---- DHCP leases ----

  getLease(mac: string): Lease | undefined { return pxe.getLease(this.db, mac) }
  leaseByIp(ip: string): Lease | undefined { return pxe.leaseByIp(this.db, ip) }
  putLease(lease: Lease): void { pxe.putLease(this.db, lease) }
  deleteLease(mac: string): void { pxe.deleteLease(this.db, mac) }
  listLeases(): Lease[] { return pxe.listLeases(this.db) }

  // ---- one-time tokens ----

  issueToken(node: string, purpose: string, ttlSec: number): string { return tokens.issueToken(this.db, node, purpose, ttlSec) }
  consumeToken(token: string): TokenClaim | undefined { return tokens.consumeToken(this.db, token) }

  // ---- boot configs and discovery ----

  setBootConfig(mac: string, cfg: BootConfig): void { pxe.setBootConfig(this.db, mac, cfg) }
  getBootConfig(mac: string): StoredBootConfig | undefined { return pxe.getBootConfig(this.db, mac) }
  clearBootConfig(mac: string): void { pxe.clearBootConfig(this.db, mac) }
  recordDiscovered(mac: string, info: Record<string, unknown>): void { pxe.recordDiscovered(this.db, mac, info) }
  listDiscovered(): DiscoveredHost[] { return pxe.listDiscovered(this.db) }

  /** Releases this store's reservations and closes the database; safe to call twice. */
  close(): void {
    openStores.delete(this)
    if (!this.db.open) return
    for (const node of this.held.keys()) releaseRow(this.db, node)
    this.held.clear()
    this.db.close()
  }
}

function toEvent(r: EventRow): NodeEvent {
  const e: NodeEvent = {id: r.id, node: r.node, ts: r.ts, kind: r.kind, message: r.message}
  if (r.data !== null) e.data = JSON.parse(r.data) as Record<string, unknown>
  return e
}

/** Opens (creating and migrating) `<dataDir>/state.db`. The file may hold BMC passwords: 0600. */
export function openStore(dataDir: string): Store {
  const path = join(dataDir, 'state.db')
  try {
    mkdirSync(dataDir, {recursive: true, mode: 0o700})
    if (!statSync(dataDir).isDirectory()) throw Object.assign(new Error('not a directory'), {code: 'ENOTDIR'})
    accessSync(dataDir, constants.W_OK | constants.X_OK)
    closeSync(openSync(path, 'a', 0o600))
    if (statSync(path).uid === process.getuid?.()) chmodSync(path, 0o600)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const what = e.path === path ? `state file ${path}` : `state directory ${dataDir}`
    throw new EnvironmentError(`${what} is not writable (${e.code ?? e.message})`,
      'choose another with --data-dir or BMPCTL_DATA_DIR, or fix its permissions')
  }
  const db = new Database(path, {timeout: 5000})
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('busy_timeout = 5000')
    db.pragma('foreign_keys = ON')
    migrate(db, path)
  } catch (err) {
    db.close()
    throw err
  }
  return new Store(db, path)
}
