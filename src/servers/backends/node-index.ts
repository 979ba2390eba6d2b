/**
 * Which enrolled node a MAC or a client IP belongs to, for per-node events. IPs resolve
 * through a live DHCP lease first, then through the node's reserved address.
 */
import type {Store} from '../../state/store.js'
import {inSubnet, isIpv4, normalizeMac, type Cidr} from '../../util/net.js'

export interface NodeRef {
  node: string
  mac?: string
}

export interface NodeIndex {
  byMac(mac: string): NodeRef | undefined
  byIp(ip: string): NodeRef | undefined
  /** A MAC or an IP, whichever `key` is. */
  resolve(key: string): NodeRef | undefined
  /** The MAC an address is reserved for (enrolled node's address in the subnet). */
  reservedMac(ip: string): string | undefined
}

/** Node listings are re-read at most this often: lookups run per packet. */
const REFRESH_MS = 2000

/** The node's reserved address when it lies in `subnet` (the DHCP reservation contract). */
export function reservedAddress(ipv4: {address: string} | undefined, subnet: Cidr): string | undefined {
  const ip = ipv4?.address.split('/')[0]
  return ip && isIpv4(ip) && inSubnet(ip, subnet) && ip !== subnet.network && ip !== subnet.broadcast ? ip : undefined
}

export function createNodeIndex(store: Store, subnet: Cidr, now: () => number = Date.now): NodeIndex {
  let reserved = new Map<string, NodeRef>()
  let readAt = -Infinity
  const reservations = () => {
    if (now() - readAt < REFRESH_MS) return reserved
    const next = new Map<string, NodeRef>()
    for (const n of store.listNodes()) {
      const ip = reservedAddress(n.spec.network.ipv4, subnet)
      if (ip) next.set(ip, {node: n.name, mac: n.spec.nics[0]?.mac})
    }
    reserved = next
    readAt = now()
    return reserved
  }
  const byMac = (mac: string): NodeRef | undefined => {
    const m = normalizeMac(mac)
    const node = m ? store.findNodeByMac(m) : undefined
    return node && {node: node.name, mac: m}
  }
  const byIp = (ip: string): NodeRef | undefined => {
    if (!isIpv4(ip)) return undefined
    const lease = store.leaseByIp(ip)
    if (lease && lease.expires > now()) {
      const ref = byMac(lease.mac)
      if (ref) return ref
    }
    return reservations().get(ip)
  }
  return {
    byMac,
    byIp,
    resolve: (key) => (normalizeMac(key) ? byMac(key) : byIp(key)),
    reservedMac: (ip) => reservations().get(ip)?.mac,
  }
}
