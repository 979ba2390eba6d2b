import assert from 'node:assert/strict'
import {createSocket} from 'node:dgram'
import {describe, test} from 'node:test'
import fc from 'fast-check'
import {IpmiProvider} from '../../../src/bmc/ipmi.js'
import {BmcError} from '../../../src/bmc/types.js'
import {decodeAuthCapsResponse, decodeBootFlags, decodeCipherSuiteRecords, decodeDeviceId} from '../../../src/protocols/ipmi/commands.js'
import {IpmiDecodeError} from '../../../src/protocols/ipmi/constants.js'
import {CIPHER_SUITES, deriveKeys} from '../../../src/protocols/ipmi/crypto.js'
import {decodeResponse, encodeResponse} from '../../../src/protocols/ipmi/message.js'
import {decodeSessionPacket, encodeV15, encodeV20} from '../../../src/protocols/ipmi/packet.js'
import {decodeOpenSessionResponse, decodeRakp2, decodeRakpShort} from '../../../src/protocols/ipmi/rakp.js'
import {decodeAsf} from '../../../src/protocols/ipmi/rmcp.js'
import {decodeSol} from '../../../src/protocols/ipmi/sol.js'
import {closeAllIpmiSessions} from '../../../src/protocols/ipmi/pool.js'
import {FakeMachine} from '../../../src/testenv/machine.js'
import {startIpmiVbmc} from '../../../src/testenv/vbmc/ipmi-server.js'

const suite = CIPHER_SUITES[3]
const crypto = {suite, keys: deriveKeys(suite, Buffer.from('pw'), {consoleSessionId: 1, bmcSessionId: 2, consoleRandom: Buffer.alloc(16, 1), bmcRandom: Buffer.alloc(16, 2), bmcGuid: Buffer.alloc(16, 3), role: 0x14, username: 'u'})}
const msg = encodeResponse({netFn: 7, cmd: 1, rqSeq: 3, completionCode: 0, data: Buffer.from('00030908029f911200020f', 'hex')})
const seeds = [
  encodeV15({authType: 0, sequence: 0, sessionId: 0, payload: msg}),
  encodeV20({payloadType: 0, encrypted: true, authenticated: true, sessionId: 1, sequence: 4, payload: msg}, crypto),
  encodeV20({payloadType: 0x11, encrypted: false, authenticated: false, sessionId: 0, sequence: 0, payload: Buffer.alloc(36, 1)}),
]

/** Flip, cut or extend bytes of a valid datagram. */
const mutated = fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({min: 0, max: 255})), {maxLength: 6}), fc.option(fc.nat(80)), fc.uint8Array({maxLength: 8}))
  .map(([seed, flips, cut, tail]) => {
    let b = Buffer.from(seed)
    for (const [at, v] of flips) b[at % b.length] = v
    if (cut !== null) b = b.subarray(0, cut % (b.length + 1))
    return Buffer.concat([b, Buffer.from(tail)])
  })

function onlyTyped(fn: () => unknown): void {
  try { fn() } catch (err) {
    assert.ok(err instanceof IpmiDecodeError, `unexpected ${(err as Error).name}: ${(err as Error).message}`)
  }
}

describe('mutated datagrams', () => {
  test('decoders return or throw IpmiDecodeError, nothing else', () => {
    fc.assert(fc.property(mutated, (buf) => {
      onlyTyped(() => decodeSessionPacket(buf, () => crypto))
      onlyTyped(() => decodeAsf(buf))
      const body = buf.subarray(Math.min(4, buf.length))
      for (const d of [decodeResponse, decodeOpenSessionResponse, decodeRakp2, (b: Buffer) => decodeRakpShort(b, 'RAKP 4'), decodeSol, decodeDeviceId, decodeAuthCapsResponse, decodeBootFlags, decodeCipherSuiteRecords]) {
        onlyTyped(() => d(body))
      }
    }), {numRuns: 3000})
  })

  test('a client talking through a corrupting proxy only ever fails with BmcError', async () => {
    const machine = new FakeMachine('fuzz')
    const vbmc = await startIpmiVbmc({machine, port: 0, users: [{name: 'admin', password: 'pw', privilege: 'administrator'}]})
    const proxy = createSocket('udp4')
    let client: {address: string; port: number} | undefined
    let corrupt: (b: Buffer) => Buffer = (b) => b
    proxy.on('message', (buf, r) => {
      if (r.port === vbmc.port) { if (client) proxy.send(corrupt(buf), client.port, client.address); return }
      client = {address: r.address, port: r.port}
      proxy.send(buf, vbmc.port, '127.0.0.1')
    })
    await new Promise<void>((r) => proxy.bind(0, '127.0.0.1', r))
    const port = proxy.address().port
    let failures = 0
    try {
      await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.integer({min: 0, max: 255})), {minLength: 1, maxLength: 3}), fc.nat(120), async (flips, cutAt) => {
        let n = 0
        corrupt = (b) => {
          const c = Buffer.from(b)
          if (n++ % 2 === 0) for (const [at, v] of flips) c[at % c.length] = v
          return cutAt < c.length && n % 3 === 0 ? c.subarray(0, cutAt) : c
        }
        const p = new IpmiProvider({address: '127.0.0.1', port, username: 'admin', password: 'pw', cipherSuite: 3, timeoutMs: 40, retries: 2, minIntervalMs: 0, pool: false})
        try {
          assert.match(await p.powerState(), /^(on|off)$/)
        } catch (err) {
          failures++
          assert.ok(err instanceof BmcError, `unexpected ${(err as Error).name}: ${(err as Error).message}`)
          assert.ok(['timeout', 'auth', 'protocol', 'busy', 'privilege', 'unsupported'].includes(err.kind))
        } finally {
          await p.close()
        }
      }), {numRuns: 25})
    } finally {
      await closeAllIpmiSessions()
      proxy.close()
      await vbmc.close()
    }
    assert.ok(failures > 0, 'corruption made at least one call fail')
  })
})
