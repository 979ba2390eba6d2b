/** The DHCP server's backend over the state store: reservations from enrolled nodes. */
import type {DhcpBackend, DhcpReservation} from '../dhcp/backend.js'
import type {Logger} from '../../log.js'
import type {Store} from '../../state/store.js'
import type {Cidr} from '../../util/net.js'
import {createNodeIndex, reservedAddress, type NodeIndex} from './node-index.js'

export interface StoreDhcpBackendOptions {
  store: Store
  subnet: Cidr
  log: Logger
  index?: NodeIndex
  now?: () => number
}

/** One "why no reservation" event per MAC per this long; clients retry every few seconds. */
const NO_RESERVATION_EVENT_MS = 60_000

export function createStoreDhcpBackend(opts: StoreDhcpBackendOptions): DhcpBackend {
  const {store, subnet, log} = opts
  const now = opts.now ?? Date.now
  const index = opts.index ?? createNodeIndex(store, subnet, now)
  const lastNoReservation = new Map<string, number>()
  const subnetText = `${subnet.network}/${subnet.prefix}`

  const noReservation = (node: string, mac: string, why: string) => {
    const last = lastNoReservation.get(mac) ?? -Infinity
    if (now() - last < NO_RESERVATION_EVENT_MS) return
    lastNoReservation.set(mac, now())
    store.addEvent(node, 'dhcp.no-reservation', why, {mac, subnet: subnetText})
    log.info('dhcp: enrolled node has no usable address', {node, mac, reason: why})
  }

  return {
    reservation(mac): DhcpReservation | undefined {
      const node = store.findNodeByMac(mac)
      if (!node) return undefined
      const ipv4 = node.spec.network.ipv4
      const ip = reservedAddress(ipv4, subnet)
      if (!ip) {
        noReservation(node.name, mac, ipv4
          ? `network.ipv4.address ${ipv4.address} is outside the provisioning subnet ${subnetText}`
          : 'the node has no network.ipv4.address')
        return undefined
      }
      const r: DhcpReservation = {ip, hostname: node.spec.network.hostname ?? node.name}
      if (ipv4?.gateway) r.gateway = ipv4.gateway
      if (ipv4?.dns.length) r.dns = ipv4.dns
      return r
    },
    reservedIp: (ip) => index.reservedMac(ip),
    getLease: (mac) => store.getLease(mac),
    leaseByIp: (ip) => store.leaseByIp(ip),
    putLease: (lease) => store.putLease(lease),
    deleteLease: (mac) => store.deleteLease(mac),
    listLeases: () => store.listLeases(),
    discovered(mac, info) {
      store.recordDiscovered(mac, info)
      log.info('dhcp: unknown PXE client recorded', {mac})
    },
    event(mac, kind, message, data) {
      const ref = index.byMac(mac)
      if (ref) store.addEvent(ref.node, kind, message, {mac, ...data})
    },
  }
}
