import type Database from 'better-sqlite3'
import {EnvironmentError} from '../errors.js'

/** One schema step; its position in MIGRATIONS (1-based) is the `user_version` it yields. */
export interface Migration {
  description: string
  sql: string
}

/** Append only: never edit a released step, add a new one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    description: 'nodes, events, reservations, leases, tokens, boot configs, discovered hosts',
    sql: `
      CREATE TABLE nodes (
        name TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        spec TEXT NOT NULL,
        facts TEXT NOT NULL DEFAULT '{}',
        last_error TEXT,
        discovered INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE node_macs (
        mac TEXT PRIMARY KEY,
        node TEXT NOT NULL REFERENCES nodes(name) ON DELETE CASCADE
      );
      CREATE INDEX node_macs_node ON node_macs(node);
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        node TEXT NOT NULL,
        ts TEXT NOT NULL,
        kind TEXT NOT NULL,
        message TEXT NOT NULL,
        data TEXT
      );
      CREATE INDEX events_node ON events(node, id);
      CREATE TABLE reservations (
        node TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        since TEXT NOT NULL,
        purpose TEXT NOT NULL
      );
      CREATE TABLE leases (
        mac TEXT PRIMARY KEY,
        ip TEXT NOT NULL UNIQUE,
        expires INTEGER NOT NULL,
        hostname TEXT
      );
      CREATE TABLE tokens (
        hash BLOB PRIMARY KEY,
        node TEXT NOT NULL,
        purpose TEXT NOT NULL,
        expires INTEGER NOT NULL
      );
      CREATE TABLE boot_configs (
        mac TEXT PRIMARY KEY,
        node TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('liveos', 'local', 'none')),
        vars TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE discovered (
        mac TEXT PRIMARY KEY,
        info TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        count INTEGER NOT NULL
      );
    `,
  },
]

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', {simple: true}) as number
}

/**
 * Brings the schema to the newest version. IMMEDIATE so two processes opening a fresh
 * store at once do not both migrate; the version is re-read under the write lock.
 */
export function migrate(db: Database.Database, path: string, migrations: readonly Migration[] = MIGRATIONS): number {
  const run = db.transaction(() => {
    const current = schemaVersion(db)
    if (current > migrations.length) {
      throw new EnvironmentError(
        `${path}: schema version ${current} is newer than this bmpctl understands (${migrations.length})`,
        'upgrade bmpctl, or point --data-dir at another directory',
      )
    }
    for (let v = current; v < migrations.length; v++) {
      db.exec(migrations[v].sql)
      db.pragma(`user_version = ${v + 1}`)
    }
    return migrations.length
  })
  return run.immediate()
}
