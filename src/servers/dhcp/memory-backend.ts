/**
 * An in-memory DhcpBackend for tests, fixtures and benchmarks. With `leaseFile` it
 * appends every lease change as a JSON line (like Kea's memfile) and replays the file on
 * start, so leases survive a restart.
 */
import {closeSync, existsSync, openSync, readFileSync, writeSync} from 'node:fs'
import type {DhcpBackend, DhcpLease, DhcpReservation} from './backend.js'

export interface RecordedEvent {
  mac: string
  kind: string
  message: string
  data?: Record<string, unknown>
}

export interface MemoryBackend extends DhcpBackend {
  readonly events: RecordedEvent[]
  readonly discoveredMacs: Map<string, Record<string, unknown>>
  setReservation(mac: string, r: DhcpReservation | undefined): void
  close(): void
}

export interface MemoryBackendOptions {
  reservations?: Record<string, DhcpReservation>
  leaseFile?: string
  /** Called for each event as it happens (fixtures print them). */
  onEvent?: (e: RecordedEvent) => void
  /** Keep at most this many events in memory. */
  maxEvents?: number
}

function replay(file: string, leases: Map<string, DhcpLease>): void {
  if (!existsSync(file)) return
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue
    const rec = JSON.parse(line) as DhcpLease & {deleted?: boolean}
    if (rec.deleted) leases.delete(rec.mac)
    else leases.set(rec.mac, {mac: rec.mac, ip: rec.ip, expires: rec.expires, ...(rec.hostname ? {hostname: rec.hostname} : {})})
  }
}

export function createMemoryBackend(opts: MemoryBackendOptions = {}): MemoryBackend {
  const reservations = new Map(Object.entries(opts.reservations ?? {}))
  const reservedBy = new Map<string, string>()
  for (const [mac, r] of reservations) reservedBy.set(r.ip, mac)
  const leases = new Map<string, DhcpLease>()
  const byIp = new Map<string, string>()
  if (opts.leaseFile) replay(opts.leaseFile, leases)
  for (const l of leases.values()) byIp.set(l.ip, l.mac)
  const fd = opts.leaseFile ? openSync(opts.leaseFile, 'a') : undefined
  const append = (rec: object) => { if (fd !== undefined) writeSync(fd, JSON.stringify(rec) + '\n') }
  const events: RecordedEvent[] = []
  const max = opts.maxEvents ?? 10000
  const discoveredMacs = new Map<string, Record<string, unknown>>()

  return {
    events,
    discoveredMacs,
    reservation: (mac) => reservations.get(mac),
    reservedIp: (ip) => reservedBy.get(ip),
    setReservation(mac, r) {
      const old = reservations.get(mac)
      if (old) reservedBy.delete(old.ip)
      if (r) { reservations.set(mac, r); reservedBy.set(r.ip, mac) } else reservations.delete(mac)
    },
    getLease: (mac) => leases.get(mac),
    leaseByIp(ip) {
      const mac = byIp.get(ip)
      return mac === undefined ? undefined : leases.get(mac)
    },
    putLease(lease) {
      const old = leases.get(lease.mac)
      if (old && byIp.get(old.ip) === lease.mac) byIp.delete(old.ip)
      leases.set(lease.mac, {...lease})
      byIp.set(lease.ip, lease.mac)
      append(lease)
    },
    deleteLease(mac) {
      const old = leases.get(mac)
      if (!old) return
      leases.delete(mac)
      if (byIp.get(old.ip) === mac) byIp.delete(old.ip)
      append({mac, deleted: true})
    },
    listLeases: () => [...leases.values()],
    discovered(mac, info) {
      discoveredMacs.set(mac, info)
    },
    event(mac, kind, message, data) {
      const e = {mac, kind, message, ...(data ? {data} : {})}
      if (events.length >= max) events.shift()
      events.push(e)
      opts.onEvent?.(e)
    },
    close() { if (fd !== undefined) closeSync(fd) },
  }
}
