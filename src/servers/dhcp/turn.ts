/** One request being answered: who asked, on which subnet, and what we know about them. */
import {BOOTREQUEST, MESSAGE_TYPE_NAMES, type DhcpPacket} from '../../protocols/dhcp/index.js'
import {type Cidr, bufferToMac, inSubnet} from '../../util/net.js'
import type {DhcpBackend, DhcpReservation} from './backend.js'
import {chooseBoot, type BootChoice} from './boot.js'
import type {DhcpConfig} from './config.js'
import type {DhcpState, PoolContext} from './pool.js'
import {ZERO, type Destination} from './reply.js'

export interface DhcpContext {
  config: DhcpConfig
  backend: DhcpBackend
  state: DhcpState
  /** Epoch ms; defaults to Date.now(). */
  now?: number
  /** Where the datagram came from; `proxy` when it arrived on the proxyDHCP port (4011). */
  via?: {address: string; port: number; proxy?: boolean}
}

export interface DhcpResponse {
  reply: DhcpPacket
  destination: Destination
}

export interface Turn {
  req: DhcpPacket
  type: number
  mac: string
  subnet: Cidr
  relayed: boolean
  res?: DhcpReservation
  boot: BootChoice
  ctx: DhcpContext
  pool: PoolContext
}

function selectSubnet(req: DhcpPacket, config: DhcpConfig): Cidr | undefined {
  if (req.giaddr === ZERO) return config.subnet
  return [config.subnet, ...(config.relaySubnets ?? [])].find((s) => inSubnet(req.giaddr, s) && req.giaddr !== s.network && req.giaddr !== s.broadcast)
}

/** Undefined when the request is not one we should look at (not Ethernet, foreign subnet…). */
export function openTurn(req: DhcpPacket, ctx: DhcpContext): Turn | undefined {
  const type = req.options.messageType
  if (req.op !== BOOTREQUEST || type === undefined || !MESSAGE_TYPE_NAMES[type]) return undefined
  if (req.htype !== 1 || req.hlen !== 6) return undefined
  const subnet = selectSubnet(req, ctx.config)
  if (!subnet) return undefined
  // Never unicast to an address outside the subnet we serve.
  if (req.ciaddr !== ZERO && !inSubnet(req.ciaddr, subnet)) return undefined
  const mac = bufferToMac(req.chaddr)
  const now = ctx.now ?? Date.now()
  return {
    req, type, mac, subnet, relayed: req.giaddr !== ZERO,
    res: ctx.backend.reservation(mac),
    boot: chooseBoot(req, mac, ctx.config),
    ctx,
    pool: {config: ctx.config, backend: ctx.backend, state: ctx.state, now},
  }
}

/** Events go to the node log only for MACs we know (have a reservation for). */
export function emit(t: Turn, kind: string, message: string, extra: Record<string, unknown> = {}): void {
  if (!t.res) return
  const data = {arch: t.boot.arch, ipxe: t.boot.ipxe, bootFile: t.boot.file, ...extra}
  t.ctx.backend.event(t.mac, kind, message, data)
}

/** What we learned about an unknown PXE client, for backend.discovered(). */
export function discoveryInfo(t: Turn): Record<string, unknown> {
  const o = t.req.options
  return {
    arch: t.boot.arch,
    ipxe: t.boot.ipxe,
    vendorClass: o.vendorClass,
    hostname: o.hostname,
    uuid: o.clientUuid?.toString('hex'),
    giaddr: t.relayed ? t.req.giaddr : undefined,
    seen: new Date(t.pool.now).toISOString(),
  }
}
