import {test, describe, after} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DhcpMessageType as T} from '../../../src/protocols/dhcp/index.js'
import {handleDhcp} from '../../../src/servers/dhcp/handler.js'
import {createMemoryBackend} from '../../../src/servers/dhcp/memory-backend.js'
import {createDhcpState} from '../../../src/servers/dhcp/pool.js'
import type {DhcpContext} from '../../../src/servers/dhcp/handler.js'
import {KNOWN, OTHER, context, discover, req, request} from './helpers.js'

const dynamic = {mode: 'dynamic' as const, range: {start: '192.0.2.100', end: '192.0.2.103'}}
const mac = (i: number) => `02:00:00:00:00:${i.toString(16).padStart(2, '0')}`

/** DISCOVER → OFFER → REQUEST → ACK; returns the ACKed address. */
function dora(ctx: DhcpContext, m: string): string | undefined {
  const offer = handleDhcp(discover(m), ctx)
  if (!offer) return undefined
  const ack = handleDhcp(req(m, {serverId: '192.0.2.1', requestedIp: offer.reply.yiaddr}), ctx)
  assert.equal(ack?.reply.options.messageType, T.Ack)
  return ack!.reply.yiaddr
}

describe('dynamic mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dhcp-unit-'))
  after(() => rmSync(dir, {recursive: true, force: true}))

  test('hands out distinct addresses, skipping reserved ones, until the pool is empty', () => {
    const ctx = context({...dynamic, range: {start: '192.0.2.9', end: '192.0.2.13'}})
    const got = [1, 2, 3, 4].map((i) => dora(ctx, mac(i)))
    // .10 is reserved for KNOWN and is never handed to anyone else
    assert.deepEqual(got, ['192.0.2.9', '192.0.2.11', '192.0.2.12', '192.0.2.13'])
    assert.equal(handleDhcp(discover(mac(5)), ctx), undefined)
    assert.equal(dora(ctx, KNOWN), '192.0.2.10')
  })

  test('the server address and routers are never handed out', () => {
    const ctx = context({...dynamic, range: {start: '192.0.2.1', end: '192.0.2.2'}, routers: ['192.0.2.2']})
    assert.equal(handleDhcp(discover(mac(1)), ctx), undefined)
  })

  test('an offered address is held for its client; the same client gets it again', () => {
    const ctx = context(dynamic)
    const a = handleDhcp(discover(mac(1)), ctx)!.reply.yiaddr
    const b = handleDhcp(discover(mac(2)), ctx)!.reply.yiaddr
    assert.notEqual(a, b)
    assert.equal(handleDhcp(discover(mac(1)), ctx)!.reply.yiaddr, a)
  })

  test('a requested free address (option 50) is honoured', () => {
    assert.equal(handleDhcp(discover(mac(1), {requestedIp: '192.0.2.102'}), context(dynamic))!.reply.yiaddr, '192.0.2.102')
  })

  test('INIT-REBOOT for an address someone else holds: NAK-free silence; own lease: ACK', () => {
    const ctx = context(dynamic)
    const ip = dora(ctx, mac(1))!
    assert.equal(handleDhcp(req(mac(2), {requestedIp: ip}), ctx), undefined)
    assert.equal(handleDhcp(req(mac(1), {requestedIp: ip}), ctx)!.reply.options.messageType, T.Ack)
  })

  test('DECLINE keeps the address out of the pool', () => {
    const ctx = context(dynamic)
    const ip = dora(ctx, mac(1))!
    handleDhcp(request(mac(1), {messageType: T.Decline, requestedIp: ip, serverId: '192.0.2.1'}), ctx)
    assert.equal(ctx.backend.getLease(mac(1)), undefined)
    const next = dora(ctx, mac(1))
    assert.ok(next && next !== ip)
  })

  test('expired leases of other clients are reused', () => {
    const ctx = context({...dynamic, range: {start: '192.0.2.100', end: '192.0.2.100'}})
    assert.equal(dora(ctx, mac(1)), '192.0.2.100')
    assert.equal(handleDhcp(discover(mac(2)), ctx), undefined)
    assert.equal(dora({...ctx, now: ctx.now! + 3_601_000, state: createDhcpState()}, mac(2)), '192.0.2.100')
  })

  test('leases survive a restart through the lease file', () => {
    const leaseFile = join(dir, 'leases.jsonl')
    const first = createMemoryBackend({leaseFile})
    const ctx1 = context(dynamic, {}, first)
    dora(ctx1, mac(1))
    const ip2 = dora(ctx1, mac(2))
    first.close()
    const second = createMemoryBackend({leaseFile})
    assert.deepEqual(second.getLease(mac(2))?.ip, ip2)
    // a new server process (fresh state) offers the client its old address
    const ctx2 = context(dynamic, {}, second)
    assert.equal(handleDhcp(discover(mac(2)), ctx2)!.reply.yiaddr, ip2)
    second.close()
  })
})

describe('relay (giaddr)', () => {
  const relayCfg = {relaySubnets: ['198.51.100.0/24']}
  const option82 = Buffer.from([1, 6, 0, 4, 0, 1, 0, 5, 2, 3, 9, 9, 9])

  test('answers unicast to giaddr:67, echoes option 82 unchanged, uses the relay subnet', () => {
    const ctx = context(relayCfg, {[KNOWN]: {ip: '198.51.100.20'}})
    const res = handleDhcp(discover(KNOWN, {relayAgentInfo: option82}, {giaddr: '198.51.100.1', hops: 1}), ctx)!
    assert.deepEqual(res.destination, {address: '198.51.100.1', port: 67})
    assert.equal(res.reply.giaddr, '198.51.100.1')
    assert.deepEqual(res.reply.options.relayAgentInfo, option82)
    assert.equal(res.reply.yiaddr, '198.51.100.20')
    assert.deepEqual(res.reply.options.routers, ['198.51.100.1'])
    assert.equal(res.reply.options.broadcastAddress, '198.51.100.255')
  })

  test('a relay inside our own subnet selects it', () => {
    const res = handleDhcp(discover(KNOWN, {}, {giaddr: '192.0.2.2'}), context())!
    assert.deepEqual(res.destination, {address: '192.0.2.2', port: 67})
    assert.equal(res.reply.yiaddr, '192.0.2.10')
    assert.deepEqual(res.reply.options.routers, ['192.0.2.254'])
  })

  test('giaddr in no configured subnet: ignored', () => {
    assert.equal(handleDhcp(discover(KNOWN, {}, {giaddr: '203.0.113.1'}), context(relayCfg)), undefined)
  })

  test('a NAK through a relay sets the broadcast bit', () => {
    const res = handleDhcp(req(KNOWN, {requestedIp: '192.0.2.99'}, {giaddr: '192.0.2.2'}), context())!
    assert.equal(res.reply.options.messageType, T.Nak)
    assert.equal(res.reply.flags & 0x8000, 0x8000)
    assert.deepEqual(res.destination, {address: '192.0.2.2', port: 67})
  })

  test('the dynamic pool is not used for relayed subnets', () => {
    assert.equal(handleDhcp(discover(OTHER, {}, {giaddr: '198.51.100.1'}), context({...dynamic, ...relayCfg})), undefined)
  })
})

describe('proxy mode', () => {
  const pxe = {vendorClass: 'PXEClient:Arch:00000:UNDI:002001', clientArch: [0], clientUuid: Buffer.alloc(17, 1)}

  test('PXE DISCOVER: OFFER with boot info only, no address', () => {
    const ctx = context({mode: 'proxy'}, {})
    const res = handleDhcp(discover(OTHER, pxe), ctx)!
    const o = res.reply.options
    assert.equal(o.messageType, T.Offer)
    assert.equal(res.reply.yiaddr, '0.0.0.0')
    assert.equal(res.reply.file, 'undionly.kpxe')
    assert.equal(res.reply.siaddr, '192.0.2.1')
    assert.equal(o.vendorClass, 'PXEClient')
    assert.deepEqual([...o.vendorSpecific!], [6, 1, 8, 255])
    assert.deepEqual(o.clientUuid, pxe.clientUuid)
    for (const k of ['subnetMask', 'routers', 'dnsServers', 'leaseTime', 'domainName'] as const) assert.equal(o[k], undefined, k)
    assert.ok(ctx.backend.discoveredMacs.has(OTHER))
  })

  test('non-PXE clients get nothing', () => {
    assert.equal(handleDhcp(discover(OTHER), context({mode: 'proxy'})), undefined)
    assert.equal(handleDhcp(discover(OTHER, {vendorClass: 'MSFT 5.0'}), context({mode: 'proxy'})), undefined)
  })

  test('REQUEST on 4011: ACK back to the source address and port', () => {
    const ctx = {...context({mode: 'proxy'}), via: {address: '192.0.2.77', port: 68, proxy: true}}
    const res = handleDhcp(req(OTHER, pxe, {ciaddr: '192.0.2.77'}), ctx)!
    assert.equal(res.reply.options.messageType, T.Ack)
    assert.equal(res.reply.yiaddr, '0.0.0.0')
    assert.deepEqual(res.destination, {address: '192.0.2.77', port: 68})
  })

  test('REQUEST on 67 for another server: silent; iPXE gets its script', () => {
    assert.equal(handleDhcp(req(OTHER, {...pxe, serverId: '192.0.2.250'}), context({mode: 'proxy'})), undefined)
    const r = handleDhcp(discover(OTHER, {...pxe, userClass: Buffer.from('iPXE')}), context({mode: 'proxy'}))!.reply
    assert.equal(r.options.bootfileName, `http://192.0.2.1:8080/boot/${OTHER}.ipxe`)
  })

  test('4011 is ignored outside proxy mode', () => {
    assert.equal(handleDhcp(discover(KNOWN), {...context(), via: {address: '192.0.2.10', port: 68, proxy: true}}), undefined)
  })
})
