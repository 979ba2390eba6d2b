/**
 * The narrow port between the DHCP server and whoever owns reservations, leases and the
 * node event log (the state store in production, an in-memory map in tests).
 */

export interface DhcpReservation {
  ip: string
  hostname?: string
  gateway?: string
  dns?: string[]
  leaseTimeSec?: number
}

export interface DhcpLease {
  /** Lower-case colon form. */
  mac: string
  ip: string
  /** Epoch milliseconds. */
  expires: number
  hostname?: string
}

export interface DhcpBackend {
  reservation(mac: string): DhcpReservation | undefined
  /** The MAC an address is reserved for; lets dynamic pools skip reserved addresses. */
  reservedIp?(ip: string): string | undefined
  getLease(mac: string): DhcpLease | undefined
  leaseByIp(ip: string): DhcpLease | undefined
  putLease(lease: DhcpLease): void
  deleteLease(mac: string): void
  listLeases(): DhcpLease[]
  /** A PXE client we have no reservation for (reservations mode with autoDiscover). */
  discovered(mac: string, info: Record<string, unknown>): void
  /** One entry in the node's event log; kinds are `dhcp.discover`, `dhcp.ack`, … */
  event(mac: string, kind: string, message: string, data?: Record<string, unknown>): void
}
