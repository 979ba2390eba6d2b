import {spawnSync} from 'node:child_process'
import {join} from 'node:path'
import Database from 'better-sqlite3'
import type {NodeSpec} from '../../../src/inventory/model.js'
import type {Store} from '../../../src/state/store.js'
import {thisHost} from '../../../src/state/reservations.js'
import type {ProvisionState} from '../../../src/state/types.js'

export function fakeSpec(name: string, i: number, groups: string[] = []): NodeSpec {
  return {name, bmc: {driver: 'fake', address: `192.0.2.${100 + i}`}, nics: [{mac: `52:54:00:bb:00:${String(i).padStart(2, '0')}`}],
    properties: {}, network: {}, sshKeys: [], groups, vars: {}}
}

/** Walks a node along legal transitions to `path`'s last state. */
export function addNode(store: Store, spec: NodeSpec, path: ProvisionState[]): void {
  store.upsertNode(spec)
  for (const s of path) store.transition(spec.name, s)
}

export const TO_AVAILABLE: ProvisionState[] = ['manageable', 'available']

/** The pid of a process that has already exited (its reservation holder is dead). */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {encoding: 'utf8'})
  return Number(r.stdout)
}

/** Writes a reservation row as another process would (the store only reserves for itself). */
export function foreignReservation(dir: string, node: string, pid: number, purpose = 'deploy'): void {
  const db = new Database(join(dir, 'state.db'))
  try {
    db.prepare('INSERT OR REPLACE INTO reservations (node, pid, host, since, purpose) VALUES (?, ?, ?, ?, ?)').run(node, pid, thisHost, new Date().toISOString(), purpose)
  } finally {
    db.close()
  }
}
