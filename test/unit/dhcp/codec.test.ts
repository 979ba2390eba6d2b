import {test, describe} from 'node:test'
import assert from 'node:assert/strict'
import {
  DhcpDecodeError, MAGIC_COOKIE, decodeDhcp, encodeDhcp, isIpxe, clientArch, pxeVendorOptions,
  pxeBootFileInOffer, decodeSubOptions,
} from '../../../src/protocols/dhcp/index.js'

/** A BOOTP header built byte by byte (RFC 2131 figure 1), independent of the encoder. */
function header(f: {op?: number; hlen?: number; xid?: number; flags?: number; ciaddr?: number[]; giaddr?: number[]; mac?: number[]; sname?: string; file?: string} = {}): Buffer {
  const b = Buffer.alloc(236)
  b[0] = f.op ?? 1; b[1] = 1; b[2] = f.hlen ?? 6; b[3] = 0
  b.writeUInt32BE(f.xid ?? 0xdeadbeef, 4)
  b.writeUInt16BE(f.flags ?? 0, 10)
  Buffer.from(f.ciaddr ?? [0, 0, 0, 0]).copy(b, 12)
  Buffer.from(f.giaddr ?? [0, 0, 0, 0]).copy(b, 24)
  Buffer.from(f.mac ?? [0x52, 0x54, 0, 0x12, 0x34, 0x56]).copy(b, 28)
  if (f.sname) b.write(f.sname, 44, 'latin1')
  if (f.file) b.write(f.file, 108, 'latin1')
  return b
}
const cookie = Buffer.from([0x63, 0x82, 0x53, 0x63])
const pkt = (hdr: Buffer, ...opts: number[][]) => Buffer.concat([hdr, cookie, ...opts.map((o) => Buffer.from(o))])
const ascii = (s: string) => [...Buffer.from(s, 'latin1')]

describe('decode: hand-built vectors', () => {
  test('a PXE DISCOVER from a UEFI ROM', () => {
    const uuid = [0, ...Array.from({length: 16}, (_, i) => i)]
    const vc = ascii('PXEClient:Arch:00007:UNDI:003016')
    const p = decodeDhcp(pkt(header({flags: 0x8000}),
      [53, 1, 1], [57, 2, 0x05, 0xc0], [55, 5, 1, 3, 6, 66, 67], [60, vc.length, ...vc],
      [93, 2, 0, 7], [94, 3, 1, 3, 16], [97, 17, ...uuid], [61, 7, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56], [255]))
    assert.equal(p.op, 1)
    assert.equal(p.xid, 0xdeadbeef)
    assert.equal(p.flags, 0x8000)
    assert.deepEqual([...p.chaddr], [0x52, 0x54, 0, 0x12, 0x34, 0x56])
    assert.equal(p.options.messageType, 1)
    assert.equal(p.options.maxMessageSize, 1472)
    assert.deepEqual(p.options.parameterRequestList, [1, 3, 6, 66, 67])
    assert.equal(p.options.vendorClass, 'PXEClient:Arch:00007:UNDI:003016')
    assert.deepEqual(p.options.clientArch, [7])
    assert.equal(clientArch(p), 7)
    assert.deepEqual([...p.options.clientNdi!], [1, 3, 16])
    assert.deepEqual([...p.options.clientUuid!], uuid)
    assert.deepEqual([...p.options.clientId!], [1, 0x52, 0x54, 0, 0x12, 0x34, 0x56])
    assert.equal(isIpxe(p), false)
  })

  test('iPXE: user class and encapsulated option 175', () => {
    const p = decodeDhcp(pkt(header(), [53, 1, 3], [77, 4, ...ascii('iPXE')], [175, 6, 0xb1, 1, 1, 0x13, 1, 1], [255]))
    assert.equal(p.options.userClass!.toString(), 'iPXE')
    assert.deepEqual([...p.options.ipxe!.entries()].map(([k, v]) => [k, [...v]]), [[0xb1, [1]], [0x13, [1]]])
    assert.equal(isIpxe(p), true)
  })

  test('addresses, strings with a trailing NUL, relay agent info kept raw', () => {
    const p = decodeDhcp(pkt(header({ciaddr: [192, 0, 2, 7], giaddr: [192, 0, 2, 2]}),
      [53, 1, 3], [50, 4, 192, 0, 2, 10], [54, 4, 192, 0, 2, 1], [12, 6, ...ascii('node1'), 0], [82, 6, 1, 4, 0xde, 0xad, 0xbe, 0xef], [255]))
    assert.equal(p.ciaddr, '192.0.2.7')
    assert.equal(p.giaddr, '192.0.2.2')
    assert.equal(p.options.requestedIp, '192.0.2.10')
    assert.equal(p.options.serverId, '192.0.2.1')
    assert.equal(p.options.hostname, 'node1')
    assert.deepEqual([...p.options.relayAgentInfo!], [1, 4, 0xde, 0xad, 0xbe, 0xef])
  })

  test('unknown options are preserved as raw bytes; pads skipped', () => {
    const p = decodeDhcp(pkt(header(), [0, 0, 53, 1, 1, 0], [224, 3, 9, 8, 7], [250, 0], [255]))
    assert.deepEqual([...p.options.unknown!.entries()].map(([k, v]) => [k, [...v]]), [[224, [9, 8, 7]], [250, []]])
  })

  test('split options are joined (RFC 3396)', () => {
    const p = decodeDhcp(pkt(header(), [53, 1, 1], [6, 4, 192, 0, 2, 53], [6, 4, 192, 0, 2, 54], [255]))
    assert.deepEqual(p.options.dnsServers, ['192.0.2.53', '192.0.2.54'])
  })

  test('overload (52): options continue in file, then sname', () => {
    const h = header()
    Buffer.from([67, 4, ...ascii('boot'), 255]).copy(h, 108)
    Buffer.from([12, 3, ...ascii('abc'), 255]).copy(h, 44)
    const p = decodeDhcp(pkt(h, [53, 1, 1], [52, 1, 3], [255]))
    assert.equal(p.options.bootfileName, 'boot')
    assert.equal(p.options.hostname, 'abc')
    assert.equal(p.file, '')
    assert.equal(p.sname, '')
    assert.equal(p.options.unknown, undefined)
  })

  test('header strings and a BOOTP packet without cookie', () => {
    const b = Buffer.concat([header({sname: 'srv', file: 'pxelinux.0'}), Buffer.alloc(64)])
    const p = decodeDhcp(b)
    assert.equal(p.sname, 'srv')
    assert.equal(p.file, 'pxelinux.0')
    assert.deepEqual(p.options, {})
  })

  test('missing END is tolerated when options end with the datagram', () => {
    assert.equal(decodeDhcp(pkt(header(), [53, 1, 8])).options.messageType, 8)
  })
})

describe('decode: malformed input throws DhcpDecodeError naming the field', () => {
  const cases: [string, Buffer, string][] = [
    ['short packet', Buffer.alloc(100), 'header'],
    ['unknown op', pkt(header({op: 3}), [255]), 'op'],
    ['hlen > 16', pkt(header({hlen: 17}), [255]), 'hlen'],
    ['option without length byte', pkt(header(), [53]), 'option 53'],
    ['option past the end', pkt(header(), [60, 10, 1, 2]), 'option 60'],
    ['53 with 2 bytes', pkt(header(), [53, 2, 1, 1, 255]), 'option 53'],
    ['54 with 3 bytes', pkt(header(), [54, 3, 1, 2, 3, 255]), 'option 54'],
    ['routers not a multiple of 4', pkt(header(), [3, 5, 1, 2, 3, 4, 5, 255]), 'option 3'],
    ['93 odd length', pkt(header(), [93, 3, 0, 0, 7, 255]), 'option 93'],
    ['94 wrong length', pkt(header(), [94, 2, 1, 2, 255]), 'option 94'],
    ['55 empty', pkt(header(), [55, 0, 255]), 'option 55'],
    ['overload value 4', pkt(header(), [52, 1, 4, 255]), 'option 52'],
    ['175 sub-option past end', pkt(header(), [175, 3, 1, 5, 0, 255]), 'option 175'],
  ]
  for (const [name, bytes, field] of cases) {
    test(name, () => {
      assert.throws(() => decodeDhcp(bytes), (e: unknown) => e instanceof DhcpDecodeError && e.field === field)
    })
  }
  test('overloaded file area that runs past its end', () => {
    const h = header()
    Buffer.from([67, 200]).copy(h, 108)
    assert.throws(() => decodeDhcp(pkt(h, [52, 1, 1], [255])), DhcpDecodeError)
  })
})

describe('encode', () => {
  const base = decodeDhcp(pkt(header(), [53, 1, 1], [255]))

  test('pads to 300 bytes, writes the cookie, 53 first and 82 last, END after', () => {
    const out = encodeDhcp({...base, op: 2, yiaddr: '192.0.2.10', options: {relayAgentInfo: Buffer.from([1, 1, 9]), leaseTime: 60, messageType: 2, unknown: new Map([[224, Buffer.from([1])]])}})
    assert.equal(out.length, 300)
    assert.equal(out.readUInt32BE(236), MAGIC_COOKIE)
    assert.deepEqual([...out.subarray(16, 20)], [192, 0, 2, 10])
    assert.deepEqual([...out.subarray(240, 259)], [53, 1, 2, 51, 4, 0, 0, 0, 60, 224, 1, 1, 82, 3, 1, 1, 9, 255, 0])
  })

  test('options longer than 255 bytes are split', () => {
    const long = 'x'.repeat(300)
    const out = encodeDhcp({...base, options: {bootfileName: long}})
    assert.deepEqual([out[240], out[241], out[240 + 257], out[240 + 258]], [67, 255, 67, 45])
    assert.equal(decodeDhcp(out).options.bootfileName, long)
  })

  test('rejects values that do not fit', () => {
    assert.throws(() => encodeDhcp({...base, file: 'f'.repeat(129)}), RangeError)
    assert.throws(() => encodeDhcp({...base, yiaddr: '300.1.1.1'}), RangeError)
  })

  test('PXE option 43 sub-options', () => {
    const p = decodeDhcp(encodeDhcp({...base, options: {vendorSpecific: pxeBootFileInOffer()}}))
    assert.deepEqual([...p.options.vendorSpecific!], [6, 1, 8, 255])
    assert.deepEqual([...pxeVendorOptions(p)!.get(6)!], [8])
    assert.throws(() => decodeSubOptions(Buffer.from([6, 9])), DhcpDecodeError)
  })
})
