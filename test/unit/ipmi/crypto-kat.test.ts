import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {describe, test} from 'node:test'
import {CIPHER_SUITES, type RakpContext, decryptPayload, deriveKeys, encryptPayload, integrityCode, rakp2Hmac, rakp3Hmac, rakp4Icv, userKey} from '../../../src/protocols/ipmi/crypto.js'
import {needsCommands} from '../../support/env.js'

/** Known answers computed by the openssl CLI, never by the code under test. */
function opensslHmac(hash: 'sha1' | 'sha256', key: Buffer, data: Buffer): Buffer {
  return execFileSync('openssl', ['dgst', `-${hash}`, '-mac', 'HMAC', '-macopt', `hexkey:${key.toString('hex')}`, '-binary'], {input: data})
}

function opensslAes(key: Buffer, iv: Buffer, plain: Buffer): Buffer {
  return execFileSync('openssl', ['enc', '-aes-128-cbc', '-K', key.toString('hex'), '-iv', iv.toString('hex'), '-nopad'], {input: plain})
}

const le32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b }

const ctx: RakpContext = {
  consoleSessionId: 0xa0a1a2a3,
  bmcSessionId: 0x01020304,
  consoleRandom: Buffer.from('00112233445566778899aabbccddeeff', 'hex'),
  bmcRandom: Buffer.from('f0e0d0c0b0a090807060504030201000', 'hex'),
  bmcGuid: Buffer.from('a123456789abcdefa123456789abcdef', 'hex'),
  role: 0x14,
  username: 'admin',
}
const password = 'p4ss-w0rd'
const kuid = Buffer.from(password.padEnd(20, '\0'))
const nameTail = Buffer.concat([Buffer.from([0x14, 5]), Buffer.from('admin')])

describe('RAKP key derivation matches openssl', {skip: needsCommands('openssl')}, () => {
  for (const id of [3, 17]) {
    const suite = CIPHER_SUITES[id]
    test(`suite ${id}: SIK, K1, K2, RAKP 2/3/4 codes`, () => {
      const sik = opensslHmac(suite.hash, kuid, Buffer.concat([ctx.consoleRandom, ctx.bmcRandom, nameTail]))
      const k1 = opensslHmac(suite.hash, sik, Buffer.alloc(20, 1))
      const k2 = opensslHmac(suite.hash, sik, Buffer.alloc(20, 2))
      const keys = deriveKeys(suite, userKey(password), ctx)
      assert.equal(keys.sik.toString('hex'), sik.toString('hex'))
      assert.equal(keys.k1.toString('hex'), k1.toString('hex'))
      assert.equal(keys.k2.toString('hex'), k2.toString('hex'))
      assert.equal(keys.aesKey.toString('hex'), k2.subarray(0, 16).toString('hex'))

      const r2 = opensslHmac(suite.hash, kuid, Buffer.concat([le32(ctx.consoleSessionId), le32(ctx.bmcSessionId), ctx.consoleRandom, ctx.bmcRandom, ctx.bmcGuid, nameTail]))
      assert.equal(rakp2Hmac(suite, userKey(password), ctx).toString('hex'), r2.toString('hex'))
      const r3 = opensslHmac(suite.hash, kuid, Buffer.concat([ctx.bmcRandom, le32(ctx.consoleSessionId), nameTail]))
      assert.equal(rakp3Hmac(suite, userKey(password), ctx).toString('hex'), r3.toString('hex'))
      const r4 = opensslHmac(suite.hash, sik, Buffer.concat([ctx.consoleRandom, le32(ctx.bmcSessionId), ctx.bmcGuid]))
      assert.equal(rakp4Icv(suite, sik, ctx).toString('hex'), r4.subarray(0, id === 3 ? 12 : 16).toString('hex'))

      const covered = Buffer.from('06c0040302010100000010', 'hex')
      assert.equal(integrityCode(suite, k1, covered).toString('hex'), opensslHmac(suite.hash, k1, covered).subarray(0, id === 3 ? 12 : 16).toString('hex'))
    })
  }
})

describe('AES-CBC-128 with IPMI padding matches openssl', {skip: needsCommands('openssl')}, () => {
  const key = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex')
  const iv = Buffer.from('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff', 'hex')
  // Payload lengths around block edges; pad bytes are 1, 2, 3 … then the pad length.
  for (const len of [0, 1, 7, 15, 16, 31, 40]) {
    test(`${len}-byte payload`, () => {
      const payload = Buffer.from(Array.from({length: len}, (_, i) => (i * 7 + 3) & 0xff))
      const padLen = (16 - ((len + 1) % 16)) % 16
      const plain = Buffer.concat([payload, Buffer.from(Array.from({length: padLen}, (_, i) => i + 1)), Buffer.from([padLen])])
      assert.equal(plain.length % 16, 0)
      const expected = Buffer.concat([iv, opensslAes(key, iv, plain)])
      const got = encryptPayload(key, payload, iv)
      assert.equal(got.toString('hex'), expected.toString('hex'))
      assert.deepEqual(decryptPayload(key, expected), payload)
    })
  }

  test('corrupt padding is a typed error', () => {
    const plain = Buffer.alloc(16, 0x05)
    plain[15] = 3
    const data = Buffer.concat([iv, opensslAes(key, iv, plain)])
    assert.throws(() => decryptPayload(key, data), {name: 'IpmiDecodeError'})
  })
})
