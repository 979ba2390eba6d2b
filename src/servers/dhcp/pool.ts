/**
 * Address bookkeeping for the handler: pending offers, declined (quarantined) addresses,
 * and next-fit allocation from the dynamic range. Leases themselves live in the backend.
 */
import {inSubnet, intToIp, ipToInt} from '../../util/net.js'
import type {DhcpBackend} from './backend.js'
import type {DhcpConfig} from './config.js'

/** How long an offered address is held for the client that was offered it. */
export const OFFER_HOLD_MS = 60_000
const SWEEP_THRESHOLD = 50_000

export interface DhcpState {
  /** mac → pending offer */
  offers: Map<string, {ip: string; expires: number}>
  /** ip → mac it is offered to */
  offeredIps: Map<string, string>
  /** ip → epoch ms until which it stays out of the pool */
  quarantine: Map<string, number>
  /** Next-fit position in the range. */
  cursor: number
}

export function createDhcpState(): DhcpState {
  return {offers: new Map(), offeredIps: new Map(), quarantine: new Map(), cursor: 0}
}

export interface PoolContext {
  config: DhcpConfig
  backend: DhcpBackend
  state: DhcpState
  now: number
}

export function isQuarantined(ip: string, ctx: PoolContext): boolean {
  const until = ctx.state.quarantine.get(ip)
  if (until === undefined) return false
  if (until > ctx.now) return true
  ctx.state.quarantine.delete(ip)
  return false
}

export function inRange(ip: string, config: DhcpConfig): boolean {
  if (!config.range) return false
  const n = ipToInt(ip)
  return n >= ipToInt(config.range.start) && n <= ipToInt(config.range.end) && inSubnet(ip, config.subnet)
}

/** Whether `ip` may be handed to `mac` from the dynamic pool right now. */
export function isFreeFor(ip: string, mac: string, ctx: PoolContext): boolean {
  const {config, backend, state} = ctx
  if (ip === config.serverIp || ip === config.subnet.network || ip === config.subnet.broadcast) return false
  if (config.routers?.includes(ip) || config.dns?.includes(ip)) return false
  if (isQuarantined(ip, ctx)) return false
  const reservedFor = backend.reservedIp?.(ip)
  if (reservedFor !== undefined && reservedFor !== mac) return false
  const offeredTo = state.offeredIps.get(ip)
  if (offeredTo !== undefined && offeredTo !== mac && (state.offers.get(offeredTo)?.expires ?? 0) > ctx.now) return false
  const lease = backend.leaseByIp(ip)
  return !lease || lease.mac === mac || lease.expires <= ctx.now
}

/** The dynamic address this MAC already holds (lease or pending offer), if still valid. */
export function currentDynamic(mac: string, ctx: PoolContext): string | undefined {
  const offer = ctx.state.offers.get(mac)
  if (offer && offer.expires > ctx.now && isFreeFor(offer.ip, mac, ctx)) return offer.ip
  const lease = ctx.backend.getLease(mac)
  if (lease && inRange(lease.ip, ctx.config) && isFreeFor(lease.ip, mac, ctx)) return lease.ip
  return undefined
}

/** Picks an address: the requested one when free, else the next free one in the range. */
export function allocate(mac: string, requested: string | undefined, ctx: PoolContext): string | undefined {
  const range = ctx.config.range
  if (!range) return undefined
  if (requested && inRange(requested, ctx.config) && isFreeFor(requested, mac, ctx)) return requested
  const start = ipToInt(range.start)
  const size = ipToInt(range.end) - start + 1
  for (let i = 0; i < size; i++) {
    const idx = (ctx.state.cursor + i) % size
    const ip = intToIp(start + idx)
    if (isFreeFor(ip, mac, ctx)) {
      ctx.state.cursor = (idx + 1) % size
      return ip
    }
  }
  return undefined
}

export function holdOffer(mac: string, ip: string, ctx: PoolContext): void {
  const {offers, offeredIps} = ctx.state
  dropOffer(mac, ctx)
  if (offers.size >= SWEEP_THRESHOLD) sweepOffers(ctx)
  offers.set(mac, {ip, expires: ctx.now + OFFER_HOLD_MS})
  offeredIps.set(ip, mac)
}

export function dropOffer(mac: string, ctx: PoolContext): void {
  const old = ctx.state.offers.get(mac)
  if (!old) return
  ctx.state.offers.delete(mac)
  if (ctx.state.offeredIps.get(old.ip) === mac) ctx.state.offeredIps.delete(old.ip)
}

function sweepOffers(ctx: PoolContext): void {
  for (const [mac, o] of ctx.state.offers) if (o.expires <= ctx.now) dropOffer(mac, ctx)
}
