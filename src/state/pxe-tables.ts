import type Database from 'better-sqlite3'
import {normalizeMac} from '../util/net.js'
import type {BootConfig, BootMode, DiscoveredHost, Lease, StoredBootConfig} from './types.js'

/** Leases, boot configs and discovered hosts: what the DHCP/TFTP/HTTP servers read by MAC. */

export function mustMac(mac: string, what: string): string {
  const m = normalizeMac(mac)
  if (!m) throw new TypeError(`${what}: not a MAC address: ${JSON.stringify(mac)}`)
  return m
}

interface LeaseRow {
  mac: string
  ip: string
  expires: number
  hostname: string | null
}

function toLease(r: LeaseRow | undefined): Lease | undefined {
  if (!r) return undefined
  const l: Lease = {mac: r.mac, ip: r.ip, expires: r.expires}
  if (r.hostname !== null) l.hostname = r.hostname
  return l
}

export function getLease(db: Database.Database, mac: string): Lease | undefined {
  return toLease(db.prepare('SELECT * FROM leases WHERE mac = ?').get(mustMac(mac, 'getLease')) as LeaseRow | undefined)
}

export function leaseByIp(db: Database.Database, ip: string): Lease | undefined {
  return toLease(db.prepare('SELECT * FROM leases WHERE ip = ?').get(ip) as LeaseRow | undefined)
}

/**
 * Creates or renews a lease. An expired lease of another MAC on the same IP is replaced;
 * a live one is a conflict the DHCP server must not paper over.
 */
export function putLease(db: Database.Database, lease: Lease, now = Date.now()): void {
  const mac = mustMac(lease.mac, 'putLease')
  db.transaction(() => {
    const other = leaseByIp(db, lease.ip)
    if (other && other.mac !== mac) {
      if (other.expires > now) throw new Error(`putLease: ${lease.ip} is leased to ${other.mac} until ${new Date(other.expires).toISOString()}`)
      db.prepare('DELETE FROM leases WHERE mac = ?').run(other.mac)
    }
    db.prepare('INSERT OR REPLACE INTO leases (mac, ip, expires, hostname) VALUES (?, ?, ?, ?)')
      .run(mac, lease.ip, lease.expires, lease.hostname ?? null)
  }).immediate()
}

export function deleteLease(db: Database.Database, mac: string): void {
  db.prepare('DELETE FROM leases WHERE mac = ?').run(mustMac(mac, 'deleteLease'))
}

export function listLeases(db: Database.Database): Lease[] {
  return (db.prepare('SELECT * FROM leases ORDER BY mac').all() as LeaseRow[]).map((r) => toLease(r)!)
}

const BOOT_MODES: readonly BootMode[] = ['liveos', 'local', 'none']

export function setBootConfig(db: Database.Database, mac: string, cfg: BootConfig): void {
  if (!BOOT_MODES.includes(cfg.mode)) throw new TypeError(`setBootConfig: mode must be one of ${BOOT_MODES.join(', ')}, got ${JSON.stringify(cfg.mode)}`)
  db.prepare('INSERT OR REPLACE INTO boot_configs (mac, node, mode, vars, updated_at) VALUES (?, ?, ?, ?, ?)')
    .run(mustMac(mac, 'setBootConfig'), cfg.node, cfg.mode, JSON.stringify(cfg.vars ?? {}), new Date().toISOString())
}

interface BootRow {
  mac: string
  node: string
  mode: BootMode
  vars: string
  updated_at: string
}

export function getBootConfig(db: Database.Database, mac: string): StoredBootConfig | undefined {
  const r = db.prepare('SELECT * FROM boot_configs WHERE mac = ?').get(mustMac(mac, 'getBootConfig')) as BootRow | undefined
  return r && {mac: r.mac, node: r.node, mode: r.mode, vars: JSON.parse(r.vars) as Record<string, unknown>, updatedAt: r.updated_at}
}

export function clearBootConfig(db: Database.Database, mac: string): void {
  db.prepare('DELETE FROM boot_configs WHERE mac = ?').run(mustMac(mac, 'clearBootConfig'))
}

export function recordDiscovered(db: Database.Database, mac: string, info: Record<string, unknown>): void {
  const now = new Date().toISOString()
  db.prepare(`INSERT INTO discovered (mac, info, first_seen, last_seen, count) VALUES (?, ?, ?, ?, 1)
    ON CONFLICT(mac) DO UPDATE SET info = excluded.info, last_seen = excluded.last_seen, count = count + 1`)
    .run(mustMac(mac, 'recordDiscovered'), JSON.stringify(info), now, now)
}

interface DiscoveredRow {
  mac: string
  info: string
  first_seen: string
  last_seen: string
  count: number
}

export function listDiscovered(db: Database.Database): DiscoveredHost[] {
  return (db.prepare('SELECT * FROM discovered ORDER BY last_seen DESC, mac').all() as DiscoveredRow[]).map((r) => ({
    mac: r.mac, info: JSON.parse(r.info) as Record<string, unknown>, firstSeen: r.first_seen, lastSeen: r.last_seen, count: r.count,
  }))
}
