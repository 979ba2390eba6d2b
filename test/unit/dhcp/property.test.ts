import {test} from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {DhcpDecodeError, SPEC_BY_CODE, decodeDhcp, encodeDhcp, type DhcpOptions, type DhcpPacket} from '../../../src/protocols/dhcp/index.js'

const ip = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'))
const bytes = (min: number, max: number) => fc.uint8Array({minLength: min, maxLength: max}).map((a) => Buffer.from(a))
/** Latin-1 text without NULs (C strings in the header; option strings lose trailing NULs). */
const text = (min: number, max: number) => fc.string({unit: fc.integer({min: 1, max: 255}).map((c) => String.fromCharCode(c)), minLength: min, maxLength: max})
const unknownCode = fc.integer({min: 1, max: 254}).filter((c) => c !== 52 && !SPEC_BY_CODE.has(c))

const options: fc.Arbitrary<DhcpOptions> = fc.record({
  messageType: fc.integer({min: 1, max: 8}),
  subnetMask: ip,
  routers: fc.array(ip, {minLength: 1, maxLength: 70}),
  dnsServers: fc.array(ip, {minLength: 1, maxLength: 4}),
  hostname: text(1, 300),
  domainName: text(1, 40),
  requestedIp: ip,
  leaseTime: fc.nat({max: 0xffffffff}),
  serverId: ip,
  parameterRequestList: fc.array(fc.nat(255), {minLength: 1, maxLength: 30}),
  maxMessageSize: fc.nat(0xffff),
  vendorClass: text(1, 64),
  clientId: bytes(2, 20),
  bootfileName: text(1, 400),
  userClass: bytes(1, 10),
  relayAgentInfo: bytes(2, 40),
  clientArch: fc.array(fc.nat(0xffff), {minLength: 1, maxLength: 3}),
  clientNdi: bytes(3, 3),
  clientUuid: bytes(1, 17),
  vendorSpecific: bytes(1, 300),
  ipxe: fc.array(fc.tuple(fc.integer({min: 1, max: 254}), bytes(0, 20)), {minLength: 1, maxLength: 5}).map((e) => new Map(e)),
  unknown: fc.array(fc.tuple(unknownCode, bytes(0, 600)), {minLength: 1, maxLength: 4}).map((e) => new Map(e)),
}, {requiredKeys: []}).map((o) => ({...o}))

const packet: fc.Arbitrary<DhcpPacket> = fc.record({
  op: fc.constantFrom(1, 2), htype: fc.nat(255), hops: fc.nat(255), xid: fc.nat({max: 0xffffffff}),
  secs: fc.nat(0xffff), flags: fc.nat(0xffff), ciaddr: ip, yiaddr: ip, siaddr: ip, giaddr: ip,
  chaddr: bytes(0, 16), sname: text(0, 63), file: text(0, 127), options,
}).map((p) => ({...p, hlen: p.chaddr.length}) as DhcpPacket)

test('decode(encode(p)) equals p for any representable packet', () => {
  fc.assert(fc.property(packet, (p) => {
    assert.deepStrictEqual(decodeDhcp(encodeDhcp(p)), p)
  }), {numRuns: 2000})
})

test('decode of arbitrary bytes returns a packet or throws DhcpDecodeError, nothing else', () => {
  const datagram = fc.oneof(
    fc.uint8Array({maxLength: 600}),
    fc.tuple(fc.uint8Array({minLength: 236, maxLength: 236}), fc.uint8Array({maxLength: 400}))
      .map(([h, o]) => Uint8Array.from([...h, 0x63, 0x82, 0x53, 0x63, ...o])),
  )
  fc.assert(fc.property(datagram, (d) => {
    try {
      const p = decodeDhcp(Buffer.from(d))
      encodeDhcp(p)
    } catch (e) {
      assert.ok(e instanceof DhcpDecodeError, `unexpected ${String(e)}`)
    }
  }), {numRuns: 5000})
})
