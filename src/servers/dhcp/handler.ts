/**
 * The DHCP state machine (RFC 2131 §4.3) as a pure function of request + context: no
 * sockets, leases and events go through the backend port.
 */
import {DhcpMessageType as T, type DhcpPacket} from '../../protocols/dhcp/index.js'
import {inSubnet} from '../../util/net.js'
import {allocate, currentDynamic, dropOffer, holdOffer, inRange, isFreeFor, isQuarantined} from './pool.js'
import {handleProxy} from './proxy.js'
import {ZERO, addAddressOptions, addBootOptions, baseReply, destinationFor, nakReply} from './reply.js'
import {discoveryInfo, emit, openTurn, type DhcpContext, type DhcpResponse, type Turn} from './turn.js'

export type {DhcpContext, DhcpResponse} from './turn.js'

const DEFAULT_PROBATION_SEC = 600

export function handleDhcp(req: DhcpPacket, ctx: DhcpContext): DhcpResponse | undefined {
  const mode = ctx.config.mode
  if (mode === 'off') return undefined
  const t = openTurn(req, ctx)
  if (!t) return undefined
  if (mode === 'proxy') return handleProxy(t)
  if (ctx.via?.proxy) return undefined
  if (mode === 'reservations' && !t.res) {
    if (t.type === T.Discover && ctx.config.autoDiscover) ctx.backend.discovered(t.mac, discoveryInfo(t))
    return undefined
  }
  switch (t.type) {
    case T.Discover: return discover(t)
    case T.Request: return request(t)
    case T.Release: return release(t)
    case T.Decline: return decline(t)
    case T.Inform: return inform(t)
    default: return undefined
  }
}

/** The address this client holds or is reserved, on the subnet it asked from. */
function boundAddress(t: Turn): string | undefined {
  if (t.res) return inSubnet(t.res.ip, t.subnet) && !isQuarantined(t.res.ip, t.pool) ? t.res.ip : undefined
  if (t.ctx.config.mode !== 'dynamic' || t.subnet !== t.ctx.config.subnet) return undefined
  return currentDynamic(t.mac, t.pool)
}

function dynamicPool(t: Turn): boolean {
  return !t.res && t.ctx.config.mode === 'dynamic' && t.subnet === t.ctx.config.subnet
}

function respond(t: Turn, reply: DhcpPacket): DhcpResponse {
  return {reply, destination: destinationFor(t.req, reply)}
}

function addressReply(t: Turn, type: T, ip: string): DhcpPacket {
  const reply = baseReply(t.req, type, t.ctx.config)
  reply.yiaddr = ip
  if (type === T.Ack) reply.ciaddr = t.req.ciaddr
  addAddressOptions(reply, t.subnet, t.ctx.config, t.relayed, t.res)
  addBootOptions(reply, t.req, t.boot, t.ctx.config, false)
  return reply
}

function discover(t: Turn): DhcpResponse | undefined {
  emit(t, 'dhcp.discover', 'DHCPDISCOVER')
  const ip = boundAddress(t) ?? (dynamicPool(t) ? allocate(t.mac, t.req.options.requestedIp, t.pool) : undefined)
  if (!ip) return undefined
  if (dynamicPool(t)) holdOffer(t.mac, ip, t.pool)
  emit(t, 'dhcp.offer', `DHCPOFFER ${ip}`, {ip})
  return respond(t, addressReply(t, T.Offer, ip))
}

function ack(t: Turn, ip: string): DhcpResponse {
  const reply = addressReply(t, T.Ack, ip)
  const expires = t.pool.now + (reply.options.leaseTime ?? t.ctx.config.leaseTimeSec) * 1000
  const hostname = t.res?.hostname ?? t.req.options.hostname
  t.ctx.backend.putLease({mac: t.mac, ip, expires, ...(hostname ? {hostname} : {})})
  dropOffer(t.mac, t.pool)
  emit(t, 'dhcp.ack', `DHCPACK ${ip}`, {ip})
  return respond(t, reply)
}

function nak(t: Turn, why: string): DhcpResponse {
  emit(t, 'dhcp.nak', `DHCPNAK: ${why}`, {requested: t.req.options.requestedIp ?? t.req.ciaddr})
  return respond(t, nakReply(t.req, t.ctx.config, why))
}

function request(t: Turn): DhcpResponse | undefined {
  const {serverId, requestedIp} = t.req.options
  const ciaddr = t.req.ciaddr
  emit(t, 'dhcp.request', `DHCPREQUEST ${requestedIp ?? ciaddr}`, {requested: requestedIp ?? ciaddr, serverId})
  if (serverId !== undefined) return selecting(t, serverId, requestedIp ?? (ciaddr !== ZERO ? ciaddr : undefined))
  if (requestedIp !== undefined) return ciaddr === ZERO ? initReboot(t, requestedIp) : undefined
  if (ciaddr !== ZERO) return renewing(t, ciaddr)
  return undefined
}

/** Client picked an offer; silent when it picked another server's. */
function selecting(t: Turn, serverId: string, wanted: string | undefined): DhcpResponse | undefined {
  if (serverId !== t.ctx.config.serverIp) {
    dropOffer(t.mac, t.pool)
    return undefined
  }
  if (!wanted) return undefined
  const have = boundAddress(t)
  if (have === wanted) return ack(t, have)
  if (!have && dynamicPool(t) && inRange(wanted, t.ctx.config) && isFreeFor(wanted, t.mac, t.pool)) return ack(t, wanted)
  return nak(t, have ? `address ${wanted} is not yours; ${have} is` : `address ${wanted} is not available`)
}

/** Client reboots and asks for its old address (RFC 2131 §4.3.2 INIT-REBOOT). */
function initReboot(t: Turn, wanted: string): DhcpResponse | undefined {
  if (!inSubnet(wanted, t.subnet)) return nak(t, `${wanted} is on the wrong network`)
  const have = boundAddress(t)
  if (have === wanted) return ack(t, have)
  if (have) return nak(t, `address ${wanted} is not yours; ${have} is`)
  if (dynamicPool(t) && inRange(wanted, t.ctx.config) && isFreeFor(wanted, t.mac, t.pool)) return ack(t, wanted)
  return undefined
}

/** RENEWING (unicast) and REBINDING (broadcast) look alike here: ciaddr set, no option 50/54. */
function renewing(t: Turn, ciaddr: string): DhcpResponse | undefined {
  const have = boundAddress(t)
  if (have === ciaddr) return ack(t, have)
  if (have) return nak(t, `address ${ciaddr} is not yours; ${have} is`)
  return undefined
}

function release(t: Turn): undefined {
  const lease = t.ctx.backend.getLease(t.mac)
  if (lease && lease.ip === t.req.ciaddr) t.ctx.backend.deleteLease(t.mac)
  dropOffer(t.mac, t.pool)
  emit(t, 'dhcp.release', `DHCPRELEASE ${t.req.ciaddr}`, {ip: t.req.ciaddr})
  return undefined
}

/** The client found the address in use (ARP): keep it out of the pool for a while. */
function decline(t: Turn): undefined {
  const ip = t.req.options.requestedIp
  // Only the address we gave this client may be declined, so no client can drain the pool.
  if (!ip || ip !== (boundAddress(t) ?? t.ctx.backend.getLease(t.mac)?.ip)) return undefined
  const probation = t.ctx.config.declineProbationSec ?? DEFAULT_PROBATION_SEC
  t.ctx.state.quarantine.set(ip, t.pool.now + probation * 1000)
  const lease = t.ctx.backend.getLease(t.mac)
  if (lease?.ip === ip) t.ctx.backend.deleteLease(t.mac)
  dropOffer(t.mac, t.pool)
  emit(t, 'dhcp.decline', `DHCPDECLINE ${ip}: quarantined for ${probation}s`, {ip})
  return undefined
}

/** Configuration only, no address (RFC 2131 §3.4): no yiaddr, no lease time. */
function inform(t: Turn): DhcpResponse | undefined {
  if (t.req.ciaddr === ZERO) return undefined
  const reply = baseReply(t.req, T.Ack, t.ctx.config)
  reply.ciaddr = t.req.ciaddr
  addAddressOptions(reply, t.subnet, t.ctx.config, t.relayed, t.res, false)
  addBootOptions(reply, t.req, t.boot, t.ctx.config, false)
  emit(t, 'dhcp.ack', `DHCPACK (inform) ${t.req.ciaddr}`, {ip: t.req.ciaddr, inform: true})
  return respond(t, reply)
}
