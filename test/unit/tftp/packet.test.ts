import {test, describe} from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {decodePacket, encodePacket, TftpDecodeError, type TftpPacket} from '../../../src/protocols/tftp/packet.js'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')

describe('TFTP packet vectors', () => {
  const vectors: [string, Buffer, TftpPacket][] = [
    // RFC 1350 §5: opcode 1, "pxelinux.0" NUL "octet" NUL
    ['RRQ', Buffer.from('\x00\x01pxelinux.0\x00octet\x00', 'latin1'), {op: 'rrq', filename: 'pxelinux.0', mode: 'octet', options: {}}],
    ['WRQ', Buffer.from('\x00\x02f\x00netascii\x00', 'latin1'), {op: 'wrq', filename: 'f', mode: 'netascii', options: {}}],
    // RFC 2347 §2 example shape: options after mode
    ['RRQ+options', Buffer.from('\x00\x01foo\x00octet\x00blksize\x001468\x00tsize\x000\x00windowsize\x0016\x00', 'latin1'),
      {op: 'rrq', filename: 'foo', mode: 'octet', options: {blksize: '1468', tsize: '0', windowsize: '16'}}],
    ['DATA', hex('0003 0001 6869'), {op: 'data', block: 1, data: Buffer.from('hi')}],
    ['empty DATA', hex('0003 ffff'), {op: 'data', block: 65535, data: Buffer.alloc(0)}],
    ['ACK', hex('0004 0000'), {op: 'ack', block: 0}],
    ['ERROR', Buffer.from('\x00\x05\x00\x01File not found\x00', 'latin1'), {op: 'error', code: 1, message: 'File not found'}],
    ['OACK', Buffer.from('\x00\x06blksize\x00512\x00', 'latin1'), {op: 'oack', options: {blksize: '512'}}],
  ]
  for (const [name, bytes, packet] of vectors) {
    test(`${name} decodes and re-encodes byte for byte`, () => {
      assert.deepEqual(decodePacket(bytes), packet)
      assert.deepEqual(encodePacket(packet), bytes)
    })
  }

  test('mode and option names are case-insensitive (RFC 2347)', () => {
    const p = decodePacket(Buffer.from('\x00\x01f\x00OCTET\x00BlkSize\x001024\x00', 'latin1'))
    assert.deepEqual(p, {op: 'rrq', filename: 'f', mode: 'octet', options: {blksize: '1024'}})
  })

  test('trailing NUL padding is tolerated, an empty option value is kept', () => {
    assert.deepEqual(decodePacket(Buffer.from('\x00\x01f\x00octet\x00\x00\x00', 'latin1')), {op: 'rrq', filename: 'f', mode: 'octet', options: {}})
    assert.deepEqual(decodePacket(Buffer.from('\x00\x01f\x00octet\x00x\x00\x00', 'latin1')), {op: 'rrq', filename: 'f', mode: 'octet', options: {x: ''}})
  })

  const bad: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['one byte', hex('00')],
    ['unknown opcode', hex('0009 0000')],
    ['opcode 0', hex('0000')],
    ['RRQ without mode', Buffer.from('\x00\x01file\x00', 'latin1')],
    ['RRQ unterminated', Buffer.from('\x00\x01file\x00oct', 'latin1')],
    ['RRQ empty filename', Buffer.from('\x00\x01\x00octet\x00', 'latin1')],
    ['RRQ option without value', Buffer.from('\x00\x01f\x00octet\x00blksize\x00', 'latin1')],
    ['RRQ duplicate option', Buffer.from('\x00\x01f\x00octet\x00a\x001\x00A\x002\x00', 'latin1')],
    ['short DATA', hex('0003 00')],
    ['short ACK', hex('0004 01')],
    ['short ERROR', hex('0005 00')],
  ]
  for (const [name, bytes] of bad) {
    test(`malformed: ${name} → TftpDecodeError`, () => {
      assert.throws(() => decodePacket(bytes), TftpDecodeError)
    })
  }
})

const cstr = fc.string({minLength: 1, maxLength: 40}).filter((s) => !s.includes('\0'))
const optName = fc.stringMatching(/^[a-z][a-z0-9]{0,11}$/)
const options = fc.dictionary(optName, fc.string({maxLength: 12}).filter((s) => !s.includes('\0')), {maxKeys: 5, noNullPrototype: true})
const packet: fc.Arbitrary<TftpPacket> = fc.oneof(
  fc.record({op: fc.constantFrom('rrq' as const, 'wrq' as const), filename: cstr, mode: fc.constantFrom('octet', 'netascii', 'mail'), options}),
  fc.record({op: fc.constant('data' as const), block: fc.integer({min: 0, max: 65535}), data: fc.uint8Array({maxLength: 600}).map((a) => Buffer.from(a))}),
  fc.record({op: fc.constant('ack' as const), block: fc.integer({min: 0, max: 65535})}),
  fc.record({op: fc.constant('error' as const), code: fc.integer({min: 0, max: 65535}), message: fc.string({maxLength: 40}).filter((s) => !s.includes('\0'))}),
  fc.record({op: fc.constant('oack' as const), options}),
).map((p) => ({...p}) as TftpPacket) // plain prototypes, as the decoder returns

describe('TFTP packet properties', () => {
  test('decode(encode(p)) = p', () => {
    fc.assert(fc.property(packet, (p) => { assert.deepEqual(decodePacket(encodePacket(p)), p) }), {numRuns: 2000})
  })

  test('100k random and mutated datagrams: decode returns a packet or throws TftpDecodeError, nothing else', () => {
    const valid = fc.sample(packet, 200).map(encodePacket)
    let seed = 12345
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32
    let decoded = 0, rejected = 0
    for (let i = 0; i < 100_000; i++) {
      let buf: Buffer
      if (i % 2 === 0) {
        buf = Buffer.from(valid[i % valid.length])
        const flips = 1 + Math.floor(rand() * 4)
        for (let f = 0; f < flips && buf.length; f++) buf[Math.floor(rand() * buf.length)] = Math.floor(rand() * 256)
        if (rand() < 0.3) buf = buf.subarray(0, Math.floor(rand() * buf.length))
      } else {
        buf = Buffer.alloc(Math.floor(rand() * 80))
        for (let j = 0; j < buf.length; j++) buf[j] = rand() < 0.3 ? 0 : Math.floor(rand() * 256)
        if (buf.length >= 2 && rand() < 0.7) buf.writeUInt16BE(1 + Math.floor(rand() * 6), 0)
      }
      try {
        decodePacket(buf)
        decoded++
      } catch (err) {
        assert.ok(err instanceof TftpDecodeError, `unexpected ${String(err)} for ${buf.toString('hex')}`)
        rejected++
      }
    }
    assert.equal(decoded + rejected, 100_000)
    assert.ok(decoded > 0 && rejected > 0, `both outcomes exercised (${decoded}/${rejected})`)
  })
})
