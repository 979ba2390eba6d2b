import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {completionName, RETRYABLE_CODES} from '../../../src/protocols/ipmi/completion.js'
import {
  decodeActivatePayloadResponse, decodeAuthCapsResponse, decodeBootFlags, decodeChassisStatus, decodeCipherSuiteRecords, decodeDeviceId,
  encodeActivatePayloadResponse, encodeAuthCapsResponse, encodeBootFlags, encodeChassisStatus, encodeCipherSuiteRecords, encodeDeviceId,
} from '../../../src/protocols/ipmi/commands.js'
import {CIPHER_SUITES, deriveKeys} from '../../../src/protocols/ipmi/crypto.js'
import {checksum, decodeRequest, decodeResponse, encodeRequest, encodeResponse} from '../../../src/protocols/ipmi/message.js'
import {decodeSessionPacket, encodeV15, encodeV20, peekSessionId} from '../../../src/protocols/ipmi/packet.js'
import {decodeOpenSessionRequest, decodeOpenSessionResponse, decodeRakp1, decodeRakp2, encodeOpenSessionRequest, encodeOpenSessionResponse, encodeRakp1, encodeRakp2} from '../../../src/protocols/ipmi/rakp.js'
import {decodeAsf, encodeAsf} from '../../../src/protocols/ipmi/rmcp.js'
import {decodeSol, encodeSol, nextSolSequence} from '../../../src/protocols/ipmi/sol.js'

describe('RMCP / ASF', () => {
  test('presence ping has the RMCP ASF header and IANA 4542', () => {
    const ping = encodeAsf({type: 'ping', tag: 7})
    assert.equal(ping.toString('hex'), '0600ff06000011be80070000')
    assert.deepEqual(decodeAsf(ping), {type: 'ping', tag: 7})
  })
  test('pong says IPMI is supported', () => {
    assert.deepEqual(decodeAsf(encodeAsf({type: 'pong', tag: 9})), {type: 'pong', tag: 9, ipmiSupported: true})
  })
})

describe('IPMI LAN message', () => {
  test('Get Device ID request bytes match the spec layout (ipmitool sends the same)', () => {
    const buf = encodeRequest({netFn: 0x06, cmd: 0x01, rqSeq: 1, data: Buffer.alloc(0)})
    // rsAddr 20, netFn 06<<2 = 18, checksum c8, rqAddr 81, seq 1<<2 = 04, cmd 01, checksum 7a
    assert.equal(buf.toString('hex'), '2018c88104017a')
    assert.equal(decodeRequest(buf).cmd, 0x01)
  })
  test('response round trip and checksum error', () => {
    const buf = encodeResponse({netFn: 0x01, cmd: 0x01, rqSeq: 5, completionCode: 0, data: Buffer.from([1, 0, 0])})
    const r = decodeResponse(buf)
    assert.deepEqual([r.netFn, r.cmd, r.rqSeq, r.completionCode, [...r.data]], [1, 1, 5, 0, [1, 0, 0]])
    const bad = Buffer.from(buf)
    bad[bad.length - 2] ^= 0xff
    assert.throws(() => decodeResponse(bad), /checksum/)
    assert.equal(checksum(Buffer.from([0x20, 0x18])), 0xc8)
  })
})

describe('session wrappers', () => {
  const suite = CIPHER_SUITES[17]
  const keys = deriveKeys(suite, Buffer.from('pw'), {consoleSessionId: 1, bmcSessionId: 2, consoleRandom: Buffer.alloc(16, 1), bmcRandom: Buffer.alloc(16, 2), bmcGuid: Buffer.alloc(16, 3), role: 0x14, username: 'u'})
  test('v1.5 pre-session packet', () => {
    const p = encodeV15({authType: 0, sequence: 0, sessionId: 0, payload: Buffer.from([1, 2, 3])})
    assert.equal(p.toString('hex'), '0600ff0700000000000000000003010203')
    assert.deepEqual(decodeSessionPacket(p), {version: '1.5', authType: 0, sequence: 0, sessionId: 0, payload: Buffer.from([1, 2, 3])})
  })
  for (const [id, secure] of [[3, true], [17, true], [17, false]] as const) {
    test(`v2.0 round trip, suite ${id}, ${secure ? 'encrypted + authenticated' : 'plain'}`, () => {
      const s = CIPHER_SUITES[id]
      const crypto = {suite: s, keys: deriveKeys(s, Buffer.from('pw'), {consoleSessionId: 1, bmcSessionId: 2, consoleRandom: Buffer.alloc(16, 1), bmcRandom: Buffer.alloc(16, 2), bmcGuid: Buffer.alloc(16, 3), role: 0x14, username: 'u'})}
      const payload = Buffer.from('0123456789abcdef01', 'hex')
      const buf = encodeV20({payloadType: 0, encrypted: secure, authenticated: secure, sessionId: 0xdeadbeef, sequence: 9, payload}, crypto)
      assert.equal(peekSessionId(buf), 0xdeadbeef)
      if (secure) assert.equal((buf.length - 4 - s.authCodeLength) % 4, 0, 'integrity pad aligns to 4 bytes')
      const p = decodeSessionPacket(buf, () => crypto)
      assert.equal(p.version, '2.0')
      assert.deepEqual(p.payload, payload)
    })
  }
  test('tampered AuthCode is rejected', () => {
    const crypto = {suite, keys}
    const buf = encodeV20({payloadType: 0, encrypted: true, authenticated: true, sessionId: 5, sequence: 1, payload: Buffer.from([1])}, crypto)
    buf[buf.length - 1] ^= 1
    assert.throws(() => decodeSessionPacket(buf, () => crypto), /integrity/)
  })
})

describe('RAKP payloads', () => {
  test('open session request carries the three algorithm records', () => {
    const buf = encodeOpenSessionRequest({tag: 3, privilege: 4, consoleSessionId: 0x11223344, authAlg: 3, integrityAlg: 4, confAlg: 1})
    assert.equal(buf.toString('hex'), '0304000044332211' + '0000000803000000' + '0100000804000000' + '0200000801000000')
    assert.deepEqual(decodeOpenSessionRequest(buf), {tag: 3, privilege: 4, consoleSessionId: 0x11223344, authAlg: 3, integrityAlg: 4, confAlg: 1})
  })
  test('open session response: ok and error forms', () => {
    const ok = {tag: 1, status: 0, privilege: 4, consoleSessionId: 7, bmcSessionId: 9, authAlg: 1, integrityAlg: 1, confAlg: 1}
    assert.deepEqual(decodeOpenSessionResponse(encodeOpenSessionResponse(ok)), ok)
    assert.deepEqual(decodeOpenSessionResponse(encodeOpenSessionResponse({tag: 1, status: 0x11, privilege: 0, consoleSessionId: 7})), {tag: 1, status: 0x11, privilege: 0, consoleSessionId: 7})
  })
  test('RAKP 1 and 2', () => {
    const r1 = {tag: 1, bmcSessionId: 5, consoleRandom: Buffer.alloc(16, 9), role: 0x14, username: 'admin'}
    assert.deepEqual(decodeRakp1(encodeRakp1(r1)), r1)
    const r2 = {tag: 1, status: 0, consoleSessionId: 6, bmcRandom: Buffer.alloc(16, 1), bmcGuid: Buffer.alloc(16, 2), authCode: Buffer.alloc(20, 3)}
    assert.deepEqual(decodeRakp2(encodeRakp2(r2)), r2)
    assert.throws(() => encodeRakp1({...r1, username: 'x'.repeat(17)}), /16 bytes/)
  })
})

describe('command data', () => {
  test('boot flags table', () => {
    const cases: [Parameters<typeof encodeBootFlags>[0], string][] = [
      [{valid: true, persistent: false, efi: false, device: 'pxe'}, '8004000000'],
      [{valid: true, persistent: true, efi: true, device: 'disk'}, 'e008000000'],
      [{valid: true, persistent: false, efi: true, device: 'cdrom'}, 'a014000000'],
      [{valid: true, persistent: false, efi: false, device: 'bios'}, '8018000000'],
      [{valid: false, persistent: false, efi: false, device: 'none'}, '0000000000'],
    ]
    for (const [flags, hex] of cases) {
      assert.equal(encodeBootFlags(flags).toString('hex'), hex)
      const back = decodeBootFlags(Buffer.from(hex, 'hex'))
      assert.deepEqual({valid: back.valid, persistent: back.persistent, efi: back.efi, device: back.device}, flags)
    }
  })
  test('cipher suite records for 3 and 17', () => {
    const recs = [{id: 3, authAlg: 1, integrityAlg: 1, confAlg: 1}, {id: 17, authAlg: 3, integrityAlg: 4, confAlg: 1}]
    const buf = encodeCipherSuiteRecords(recs)
    assert.equal(buf.toString('hex'), 'c003014181c011034481')
    assert.deepEqual(decodeCipherSuiteRecords(buf), recs)
  })
  test('device id, chassis status, auth caps, activate payload', () => {
    const id = {deviceId: 0x20, deviceRevision: 1, firmwareMajor: 2, firmwareMinor: 15, ipmiVersion: '2.0', manufacturerId: 4242, productId: 0x0bcd}
    assert.deepEqual(decodeDeviceId(encodeDeviceId(id)), id)
    assert.equal(decodeChassisStatus(encodeChassisStatus(true)).powerOn, true)
    assert.equal(decodeChassisStatus(encodeChassisStatus(false)).powerOn, false)
    assert.equal(decodeAuthCapsResponse(encodeAuthCapsResponse({channel: 1, ipmi20: true, authTypes: 0, loginStatus: 4})).ipmi20, true)
    assert.equal(decodeAuthCapsResponse(encodeAuthCapsResponse({channel: 1, ipmi20: false, authTypes: 4, loginStatus: 4})).ipmi20, false)
    const ap = {inboundSize: 255, outboundSize: 200, port: 623, vlan: 0xffff}
    assert.deepEqual(decodeActivatePayloadResponse(encodeActivatePayloadResponse(ap)), ap)
  })
  test('SOL packets and sequence wrap', () => {
    const p = {sequence: 3, ackSequence: 2, acceptedChars: 5, status: 0, data: Buffer.from('hi')}
    assert.deepEqual(decodeSol(encodeSol(p)), p)
    assert.equal(nextSolSequence(15), 1)
    assert.equal(nextSolSequence(0), 1)
  })
  test('completion code names and retryable set', () => {
    assert.equal(completionName(0xc0), 'node busy (0xc0)')
    assert.equal(completionName(0x42), 'completion code 0x42')
    assert.ok(RETRYABLE_CODES.has(0xc3) && RETRYABLE_CODES.has(0xce) && !RETRYABLE_CODES.has(0xd4))
  })
})
