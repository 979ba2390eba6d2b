import {test, describe} from 'node:test'
import assert from 'node:assert/strict'
import {DhcpMessageType as T, decodeDhcp, encodeDhcp} from '../../../src/protocols/dhcp/index.js'
import {handleDhcp} from '../../../src/servers/dhcp/handler.js'
import {KNOWN, OTHER, context, discover, req, request} from './helpers.js'

const BCAST = {address: '255.255.255.255', port: 68}

describe('reservations mode', () => {
  test('DISCOVER from a known MAC gets an OFFER with address, network and boot options', () => {
    const ctx = context()
    const res = handleDhcp(discover(KNOWN), ctx)!
    const r = res.reply
    assert.equal(r.op, 2)
    assert.equal(r.xid, 0x1234abcd)
    assert.equal(r.options.messageType, T.Offer)
    assert.equal(r.yiaddr, '192.0.2.10')
    assert.equal(r.siaddr, '192.0.2.1')
    assert.equal(r.file, 'undionly.kpxe')
    assert.equal(r.options.bootfileName, 'undionly.kpxe')
    assert.equal(r.options.serverId, '192.0.2.1')
    assert.equal(r.options.subnetMask, '255.255.255.0')
    assert.deepEqual(r.options.routers, ['192.0.2.254'])
    assert.deepEqual(r.options.dnsServers, ['192.0.2.53'])
    assert.equal(r.options.domainName, 'lab.example')
    assert.equal(r.options.hostname, 'node1')
    assert.deepEqual([r.options.leaseTime, r.options.renewalTime, r.options.rebindingTime], [3600, 1800, 3150])
    assert.deepEqual(res.destination, BCAST)
    assert.deepEqual(ctx.backend.events.map((e) => e.kind), ['dhcp.discover', 'dhcp.offer'])
    assert.equal(ctx.backend.events[1].data?.bootFile, 'undionly.kpxe')
  })

  test('the reply encodes and decodes back to itself', () => {
    const r = handleDhcp(discover(KNOWN, {vendorClass: 'PXEClient:Arch:00000', clientUuid: Buffer.alloc(17, 7)}), context())!.reply
    assert.deepEqual(decodeDhcp(encodeDhcp(r)), r)
  })

  test('per-reservation gateway, DNS and lease time override the defaults', () => {
    const ctx = context({}, {[KNOWN]: {ip: '192.0.2.11', gateway: '192.0.2.253', dns: ['192.0.2.99'], leaseTimeSec: 120}})
    const r = handleDhcp(discover(KNOWN), ctx)!.reply
    assert.deepEqual(r.options.routers, ['192.0.2.253'])
    assert.deepEqual(r.options.dnsServers, ['192.0.2.99'])
    assert.equal(r.options.leaseTime, 120)
  })

  test('unknown MACs get nothing and are recorded only with autoDiscover', () => {
    const ctx = context()
    assert.equal(handleDhcp(discover(OTHER, {vendorClass: 'PXEClient:Arch:00007', clientArch: [7]}), ctx), undefined)
    assert.deepEqual(ctx.backend.discoveredMacs.get(OTHER)?.arch, 7)
    assert.equal(ctx.backend.events.length, 0)
    const quiet = context({autoDiscover: false})
    assert.equal(handleDhcp(discover(OTHER), quiet), undefined)
    assert.equal(quiet.backend.discoveredMacs.size, 0)
  })

  test('a reservation outside the subnet is not offered', () => {
    assert.equal(handleDhcp(discover(KNOWN), context({}, {[KNOWN]: {ip: '198.51.100.5'}})), undefined)
  })

  test('mode off answers nothing', () => {
    assert.equal(handleDhcp(discover(KNOWN), context({mode: 'off'})), undefined)
  })

  test('non-Ethernet hardware and a ciaddr outside the subnet are ignored', () => {
    assert.equal(handleDhcp(discover(KNOWN, {}, {htype: 6}), context()), undefined)
    assert.equal(handleDhcp(req(KNOWN, {}, {ciaddr: '198.51.100.7'}), context()), undefined)
  })
})

describe('PXE boot file by architecture', () => {
  const cases: [string, number[] | undefined, string | undefined][] = [
    ['no option 93 (plain client): BIOS loader', undefined, 'undionly.kpxe'],
    ['0 BIOS', [0], 'undionly.kpxe'],
    ['6 EFI IA32', [6], 'ipxe-i386.efi'],
    ['7 EFI x64', [7], 'snponly.efi'],
    ['9 EFI x64 (alternate)', [9], 'snponly.efi'],
    ['11 ARM64', [11], 'snp-arm64.efi'],
    ['10 ARM32: none configured', [10], undefined],
  ]
  for (const [name, arch, file] of cases) {
    test(name, () => {
      const r = handleDhcp(discover(KNOWN, {vendorClass: 'PXEClient:Arch:x', ...(arch ? {clientArch: arch} : {})}), context())!.reply
      assert.equal(r.options.bootfileName, file)
      assert.equal(r.file, file ?? '')
      assert.equal(r.options.vendorClass, 'PXEClient')
    })
  }

  test('16 HTTP boot: URL and vendor class HTTPClient', () => {
    const r = handleDhcp(discover(KNOWN, {vendorClass: 'HTTPClient:Arch:00016', clientArch: [16]}), context())!.reply
    assert.equal(r.options.bootfileName, 'http://192.0.2.1:8080/ipxe.efi')
    assert.equal(r.options.vendorClass, 'HTTPClient')
  })

  test('efi32 without a configured file gets no boot file', () => {
    const ctx = context({bootFiles: {bios: 'undionly.kpxe', efi64: 'snponly.efi'}})
    assert.equal(handleDhcp(discover(KNOWN, {clientArch: [6]}), ctx)!.reply.options.bootfileName, undefined)
  })

  test('iPXE (user class) gets its per-MAC script URL, not the loader again', () => {
    const ctx = context()
    const r = handleDhcp(discover(KNOWN, {userClass: Buffer.from('iPXE'), clientArch: [0]}), ctx)!.reply
    assert.equal(r.options.bootfileName, `http://192.0.2.1:8080/boot/${KNOWN}.ipxe`)
    assert.equal(ctx.backend.events.at(-1)?.data?.ipxe, true)
  })

  test('iPXE (option 175 only) is detected too', () => {
    const r = handleDhcp(discover(KNOWN, {ipxe: new Map([[0x13, Buffer.from([1])]]), clientArch: [7]}), context())!.reply
    assert.equal(r.file, `http://192.0.2.1:8080/boot/${KNOWN}.ipxe`)
  })

  test('UUID (97) echoed, next-server from tftpServer, option 66 when asked', () => {
    const uuid = Buffer.from([0, ...Array(16).keys()])
    const r = handleDhcp(discover(KNOWN, {clientUuid: uuid, parameterRequestList: [66, 67]}), context({tftpServer: '192.0.2.5'}))!.reply
    assert.deepEqual(r.options.clientUuid, uuid)
    assert.equal(r.siaddr, '192.0.2.5')
    assert.equal(r.options.tftpServerName, '192.0.2.5')
  })
})

describe('REQUEST states (RFC 2131 §4.3.2)', () => {
  test('SELECTING: ACK, lease stored with expiry', () => {
    const ctx = context()
    const res = handleDhcp(req(KNOWN, {serverId: '192.0.2.1', requestedIp: '192.0.2.10'}), ctx)!
    assert.equal(res.reply.options.messageType, T.Ack)
    assert.equal(res.reply.yiaddr, '192.0.2.10')
    assert.deepEqual(ctx.backend.getLease(KNOWN), {mac: KNOWN, ip: '192.0.2.10', expires: ctx.now! + 3_600_000, hostname: 'node1'})
    assert.deepEqual(ctx.backend.events.map((e) => e.kind), ['dhcp.request', 'dhcp.ack'])
  })

  test('SELECTING another server: silent', () => {
    assert.equal(handleDhcp(req(KNOWN, {serverId: '192.0.2.9', requestedIp: '192.0.2.10'}), context()), undefined)
  })

  test('SELECTING a wrong address: NAK, broadcast', () => {
    const ctx = context()
    const res = handleDhcp(req(KNOWN, {serverId: '192.0.2.1', requestedIp: '192.0.2.77'}), ctx)!
    assert.equal(res.reply.options.messageType, T.Nak)
    assert.equal(res.reply.yiaddr, '0.0.0.0')
    assert.match(res.reply.options.message!, /192\.0\.2\.10/)
    assert.deepEqual(res.destination, BCAST)
    assert.equal(ctx.backend.events.at(-1)?.kind, 'dhcp.nak')
  })

  test('INIT-REBOOT: right address ACK, wrong address NAK, wrong network NAK', () => {
    assert.equal(handleDhcp(req(KNOWN, {requestedIp: '192.0.2.10'}), context())!.reply.options.messageType, T.Ack)
    assert.equal(handleDhcp(req(KNOWN, {requestedIp: '192.0.2.11'}), context())!.reply.options.messageType, T.Nak)
    assert.equal(handleDhcp(req(KNOWN, {requestedIp: '198.51.100.1'}), context())!.reply.options.messageType, T.Nak)
  })

  test('INIT-REBOOT with ciaddr set is malformed: silent', () => {
    assert.equal(handleDhcp(req(KNOWN, {requestedIp: '192.0.2.10'}, {ciaddr: '192.0.2.10'}), context()), undefined)
  })

  test('RENEWING: ACK unicast to ciaddr:68 with ciaddr echoed; wrong ciaddr NAK', () => {
    const res = handleDhcp(req(KNOWN, {}, {ciaddr: '192.0.2.10'}), context())!
    assert.equal(res.reply.options.messageType, T.Ack)
    assert.equal(res.reply.ciaddr, '192.0.2.10')
    assert.deepEqual(res.destination, {address: '192.0.2.10', port: 68})
    const nak = handleDhcp(req(KNOWN, {}, {ciaddr: '192.0.2.12'}), context())!
    assert.equal(nak.reply.options.messageType, T.Nak)
    assert.deepEqual(nak.destination, BCAST)
  })

  test('REQUEST with neither option 50/54 nor ciaddr: silent', () => {
    assert.equal(handleDhcp(req(KNOWN), context()), undefined)
  })
})

describe('RELEASE, DECLINE, INFORM', () => {
  test('RELEASE deletes the lease, no reply', () => {
    const ctx = context()
    handleDhcp(req(KNOWN, {serverId: '192.0.2.1', requestedIp: '192.0.2.10'}), ctx)
    assert.equal(handleDhcp(request(KNOWN, {messageType: T.Release, serverId: '192.0.2.1'}, {ciaddr: '192.0.2.10'}), ctx), undefined)
    assert.equal(ctx.backend.getLease(KNOWN), undefined)
    assert.equal(ctx.backend.events.at(-1)?.kind, 'dhcp.release')
  })

  test('DECLINE quarantines the address: the reservation is not offered meanwhile', () => {
    const ctx = context()
    assert.equal(handleDhcp(request(KNOWN, {messageType: T.Decline, requestedIp: '192.0.2.10', serverId: '192.0.2.1'}), ctx), undefined)
    assert.equal(ctx.backend.events.at(-1)?.kind, 'dhcp.decline')
    assert.equal(handleDhcp(discover(KNOWN), ctx), undefined)
    assert.ok(handleDhcp(discover(KNOWN), {...ctx, now: ctx.now! + 601_000}))
  })

  test('DECLINE of an address that belongs to another client is ignored', () => {
    const ctx = context({}, {[KNOWN]: {ip: '192.0.2.10'}, [OTHER]: {ip: '192.0.2.20'}})
    handleDhcp(request(OTHER, {messageType: T.Decline, requestedIp: '192.0.2.10', serverId: '192.0.2.1'}), ctx)
    assert.equal(ctx.state.quarantine.size, 0)
    assert.equal(handleDhcp(discover(KNOWN), ctx)?.reply.yiaddr, '192.0.2.10')
  })

  test('INFORM: ACK without yiaddr or lease time, unicast to ciaddr', () => {
    const res = handleDhcp(request(KNOWN, {messageType: T.Inform}, {ciaddr: '192.0.2.10'}), context())!
    assert.equal(res.reply.options.messageType, T.Ack)
    assert.equal(res.reply.yiaddr, '0.0.0.0')
    assert.equal(res.reply.options.leaseTime, undefined)
    assert.deepEqual(res.reply.options.dnsServers, ['192.0.2.53'])
    assert.deepEqual(res.destination, {address: '192.0.2.10', port: 68})
  })

  test('broadcast flag set: broadcast even with the flag', () => {
    assert.deepEqual(handleDhcp(discover(KNOWN, {}, {flags: 0x8000}), context())!.destination, BCAST)
  })
})
