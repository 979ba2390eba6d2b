/** Building reply packets and choosing where they go (RFC 2131 §4.1, §4.3). */
import {
  BOOTREPLY, BROADCAST_FLAG, DhcpMessageType, Opt, pxeBootFileInOffer,
  type DhcpOptions, type DhcpPacket,
} from '../../protocols/dhcp/index.js'
import type {Cidr} from '../../util/net.js'
import type {DhcpReservation} from './backend.js'
import type {BootChoice} from './boot.js'
import type {DhcpConfig} from './config.js'

export const ZERO = '0.0.0.0'
export const BROADCAST = '255.255.255.255'
export const CLIENT_PORT = 68
export const SERVER_PORT = 67
/** The `file` header field holds 128 bytes including the terminating NUL. */
const FILE_FIELD_MAX = 127

export interface Destination {
  address: string
  port: number
}

export function baseReply(req: DhcpPacket, type: DhcpMessageType, config: DhcpConfig): DhcpPacket {
  const options: DhcpOptions = {messageType: type, serverId: config.serverIp}
  if (req.options.relayAgentInfo) options.relayAgentInfo = req.options.relayAgentInfo
  return {
    op: BOOTREPLY, htype: req.htype, hlen: req.hlen, hops: 0, xid: req.xid, secs: 0,
    flags: req.flags, ciaddr: ZERO, yiaddr: ZERO, siaddr: ZERO, giaddr: req.giaddr,
    chaddr: req.chaddr, sname: '', file: '', options,
  }
}

export function nakReply(req: DhcpPacket, config: DhcpConfig, why: string): DhcpPacket {
  const reply = baseReply(req, DhcpMessageType.Nak, config)
  reply.options.message = why
  // RFC 2131 §4.3.2: a relay must broadcast a NAK to the client.
  if (req.giaddr !== ZERO) reply.flags |= BROADCAST_FLAG
  return reply
}

/** Network options (mask, router, DNS, domain, lease times) for an address on `subnet`. */
export function addAddressOptions(reply: DhcpPacket, subnet: Cidr, config: DhcpConfig, relayed: boolean, res?: DhcpReservation, withLease = true): void {
  const o = reply.options
  o.subnetMask = subnet.netmask
  o.broadcastAddress = subnet.broadcast
  // Configured routers belong to our own subnet; on a relayed subnet the relay is the gateway.
  const remote = relayed && subnet !== config.subnet
  const routers = res?.gateway ? [res.gateway] : remote ? [reply.giaddr] : config.routers
  if (routers?.length) o.routers = routers
  const dns = res?.dns ?? config.dns
  if (dns?.length) o.dnsServers = dns
  if (config.domain) o.domainName = config.domain
  if (res?.hostname) o.hostname = res.hostname
  if (!withLease) return
  const lease = res?.leaseTimeSec ?? config.leaseTimeSec
  o.leaseTime = lease
  o.renewalTime = Math.floor(lease / 2)
  o.rebindingTime = Math.floor((lease * 7) / 8)
}

/** Boot file, next-server, vendor class and UUID echo for PXE / iPXE / HTTP-boot clients. */
export function addBootOptions(reply: DhcpPacket, req: DhcpPacket, boot: BootChoice, config: DhcpConfig, proxy: boolean): void {
  const o = reply.options
  if (boot.file) {
    o.bootfileName = boot.file
    if (Buffer.byteLength(boot.file, 'latin1') <= FILE_FIELD_MAX) reply.file = boot.file
    const nextServer = config.tftpServer ?? config.serverIp
    reply.siaddr = nextServer
    if (req.options.parameterRequestList?.includes(Opt.TftpServerName) && boot.tftp) o.tftpServerName = nextServer
  }
  if (boot.vendorClass) o.vendorClass = boot.vendorClass
  if (proxy && boot.vendorClass === 'PXEClient') o.vendorSpecific = pxeBootFileInOffer()
  if (req.options.clientUuid) o.clientUuid = req.options.clientUuid
}

/** RFC 2131 §4.1; a userspace server cannot fill the ARP cache, so it broadcasts. */
export function destinationFor(req: DhcpPacket, reply: DhcpPacket): Destination {
  if (req.giaddr !== ZERO) return {address: req.giaddr, port: SERVER_PORT}
  if (reply.options.messageType === DhcpMessageType.Nak) return {address: BROADCAST, port: CLIENT_PORT}
  if (req.ciaddr !== ZERO) return {address: req.ciaddr, port: CLIENT_PORT}
  return {address: BROADCAST, port: CLIENT_PORT}
}
