import {hostname} from 'node:os'
import type Database from 'better-sqlite3'
import {ReservationError} from './errors.js'
import type {Reservation} from './types.js'

export const thisHost = hostname()

/**
 * Whether the holder may still be working. Another host cannot be probed, so it counts
 * as alive; EPERM means the pid exists under another user.
 */
export function holderAlive(r: Reservation): boolean {
  if (r.host !== thisHost) return true
  try {
    process.kill(r.pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Held by a live process other than this one. */
export function heldByOther(r: Reservation | undefined): r is Reservation {
  return !!r && !(r.pid === process.pid && r.host === thisHost) && holderAlive(r)
}

export function readReservation(db: Database.Database, node: string): Reservation | undefined {
  return db.prepare('SELECT node, pid, host, since, purpose FROM reservations WHERE node = ?').get(node) as Reservation | undefined
}

export interface Acquired {
  reservation: Reservation
  /** The dead holder this call replaced, if any. */
  tookOver?: Reservation
  /** This process already held it. */
  reentrant: boolean
}

/** Takes the row for this process; must run inside an IMMEDIATE transaction. */
export function acquire(db: Database.Database, node: string, purpose: string): Acquired {
  const current = readReservation(db, node)
  if (current && current.pid === process.pid && current.host === thisHost) return {reservation: current, reentrant: true}
  if (heldByOther(current)) throw new ReservationError(node, current)
  const mine: Reservation = {node, pid: process.pid, host: thisHost, since: new Date().toISOString(), purpose}
  db.prepare('INSERT OR REPLACE INTO reservations (node, pid, host, since, purpose) VALUES (@node, @pid, @host, @since, @purpose)').run(mine)
  return {reservation: mine, tookOver: current, reentrant: false}
}

/** Deletes the row only while this process still holds it. */
export function releaseRow(db: Database.Database, node: string): void {
  db.prepare('DELETE FROM reservations WHERE node = ? AND pid = ? AND host = ?').run(node, process.pid, thisHost)
}
