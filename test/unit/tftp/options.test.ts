import {test, describe} from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {acceptOack, negotiateRead} from '../../../src/protocols/tftp/options.js'
import {encodeNetascii, NetasciiDecoder} from '../../../src/protocols/tftp/netascii.js'
import {RateLimiter} from '../../../src/servers/tftp/ratelimit.js'

const limits = {maxBlksize: 65464, maxWindowsize: 64, defaultTimeoutMs: 1000}

describe('read option negotiation', () => {
  test('no options asked → nothing acknowledged, RFC 1350 defaults', () => {
    assert.deepEqual(negotiateRead({}, 1000, limits), {accepted: {}, params: {blksize: 512, windowsize: 1, timeoutMs: 1000}})
  })
  test('blksize/tsize/timeout/windowsize honoured as asked (RFC 2348/2349/7440)', () => {
    const n = negotiateRead({blksize: '1468', tsize: '0', timeout: '3', windowsize: '16'}, 4242, limits)
    assert.deepEqual(n.accepted, {blksize: '1468', timeout: '3', tsize: '4242', windowsize: '16'})
    assert.deepEqual(n.params, {blksize: 1468, windowsize: 16, timeoutMs: 3000})
  })
  test('out-of-range values are clamped or left out, never an error', () => {
    assert.equal(negotiateRead({blksize: '100000'}, 1, limits).accepted.blksize, '65464')
    assert.deepEqual(negotiateRead({blksize: '7'}, 1, limits).accepted, {})
    assert.deepEqual(negotiateRead({blksize: 'abc', timeout: '0', windowsize: '0'}, 1, limits).accepted, {})
    assert.equal(negotiateRead({windowsize: '500'}, 1, limits).accepted.windowsize, '64')
    assert.equal(negotiateRead({blksize: '9000'}, 1, {...limits, maxBlksize: 1468}).accepted.blksize, '1468')
  })
  test('tsize is not answered when the size is unknown (netascii)', () => {
    assert.deepEqual(negotiateRead({tsize: '0'}, undefined, limits).accepted, {})
  })
  test('unknown options are ignored', () => {
    assert.deepEqual(negotiateRead({multicast: '', foo: '1'}, 1, limits).accepted, {})
  })
  test('client side: OACK may only shrink what was asked', () => {
    assert.deepEqual(acceptOack({blksize: '1468', tsize: '0'}, {blksize: '1024', tsize: '77'}), {params: {blksize: 1024, windowsize: 1, tsize: 77}})
    assert.ok('error' in acceptOack({blksize: '512'}, {blksize: '1024'}))
    assert.ok('error' in acceptOack({}, {windowsize: '4'}))
  })
  test('property: accepted options are a subset of requested ones and within RFC ranges', () => {
    const req = fc.dictionary(fc.constantFrom('blksize', 'tsize', 'timeout', 'windowsize', 'other'), fc.oneof(fc.nat().map(String), fc.string()))
    fc.assert(fc.property(req, fc.option(fc.nat()), (r, size) => {
      const {accepted, params} = negotiateRead(r, size ?? undefined, limits)
      for (const k of Object.keys(accepted)) assert.ok(Object.hasOwn(r, k))
      assert.ok(params.blksize >= 8 && params.blksize <= 65464)
      assert.ok(params.windowsize >= 1 && params.windowsize <= 64)
    }))
  })
})

describe('netascii', () => {
  test('LF → CR LF, CR → CR NUL', () => {
    assert.deepEqual(encodeNetascii(Buffer.from('a\nb\rc')), Buffer.from('a\r\nb\r\0c', 'latin1'))
  })
  test('property: decode(encode(x)) = x for any split of the wire bytes', () => {
    fc.assert(fc.property(fc.uint8Array({maxLength: 300}), fc.nat(), (raw, cut) => {
      const wire = encodeNetascii(Buffer.from(raw))
      const at = wire.length ? cut % wire.length : 0
      const d = new NetasciiDecoder()
      const out = Buffer.concat([d.push(wire.subarray(0, at)), d.push(wire.subarray(at)), d.end()])
      assert.deepEqual(out, Buffer.from(raw))
    }))
  })
})

describe('per-client rate limit', () => {
  test('allows a burst, then refills at the rate, per key', () => {
    let now = 0
    const rl = new RateLimiter(2, 4, () => now)
    assert.deepEqual([1, 2, 3, 4, 5].map(() => rl.take('a')), [true, true, true, true, false])
    assert.equal(rl.take('b'), true)
    now = 500
    assert.equal(rl.take('a'), true)
    assert.equal(rl.take('a'), false)
  })
})
