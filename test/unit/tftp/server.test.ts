import {test, describe, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {createHash, randomBytes} from 'node:crypto'
import {createSocket, type Socket} from 'node:dgram'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {silentLogger} from '../../../src/log.js'
import {tftpGet, TftpClientError} from '../../../src/protocols/tftp/client.js'
import {decodePacket, encodePacket, TftpErrorCode, type TftpPacket} from '../../../src/protocols/tftp/packet.js'
import {startTftpServer, type TftpServer} from '../../../src/servers/tftp/server.js'
import {tempDir} from '../../support/env.js'

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

/** A raw UDP peer for packet-level assertions. */
async function rawPeer(): Promise<{sock: Socket; next: (ms?: number) => Promise<{p: TftpPacket; port: number} | undefined>; close: () => void}> {
  const sock = createSocket('udp4')
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()))
  const queue: {p: TftpPacket; port: number}[] = []
  let wake: (() => void) | undefined
  sock.on('message', (m, r) => { queue.push({p: decodePacket(m), port: r.port}); wake?.() })
  const next = async (ms = 3000) => {
    if (!queue.length) await new Promise<void>((r) => { wake = r; setTimeout(r, ms) })
    wake = undefined
    return queue.shift()
  }
  return {sock, next, close: () => sock.close()}
}

describe('TFTP server on loopback', () => {
  const root = tempDir('bmp-tftp-unit-')
  const big = randomBytes(700_000)
  writeFileSync(join(root, 'big.bin'), big)
  writeFileSync(join(root, 'small.txt'), 'line1\nline2\n')
  const events: string[] = []
  let server: TftpServer
  before(async () => {
    server = await startTftpServer({
      root, port: 0, bindAddress: '127.0.0.1', log: silentLogger, perClientRate: 1000, timeoutMs: 1000,
      backend: {
        file: (path, client) => (path === 'pxelinux.cfg/01-52-54-00-00-00-01' ? `DEFAULT local # for ${client.address}\n` : undefined),
        event: (client, kind, message) => events.push(`${client.address} ${kind} ${message}`),
      },
    })
  })
  after(() => server.close())
  const get = (filename: string, o: Partial<Parameters<typeof tftpGet>[0]> = {}) => tftpGet({host: '127.0.0.1', port: server.port, filename, ...o})

  test('windowsize transfer with lost blocks still delivers the exact file', async () => {
    const dropped = new Set<number>()
    const r = await get('big.bin', {blksize: 1024, windowsize: 8, tsize: true, dropData: (b) => b % 37 === 3 && !dropped.has(b) && !!dropped.add(b)})
    assert.equal(r.sha256, sha(big))
    assert.deepEqual(r.oack, {blksize: '1024', tsize: String(big.length), windowsize: '8'})
    assert.ok(dropped.size > 10 && r.reacks >= dropped.size)
  })

  test('block numbers roll over past 65535', async () => {
    const r = await get('big.bin', {blksize: 8})
    assert.equal(r.sha256, sha(big)) // 87,500 blocks
  })

  test('netascii converts line ends and is undone by the client', async () => {
    const r = await get('small.txt', {mode: 'netascii'})
    assert.equal(r.data!.toString(), 'line1\nline2\n')
  })

  test('backend serves dynamic files and sees start/done events', async () => {
    const r = await get('/pxelinux.cfg/01-52-54-00-00-00-01', {tsize: true})
    assert.equal(r.data!.toString(), 'DEFAULT local # for 127.0.0.1\n')
    assert.equal(r.tsize, r.bytes)
    await new Promise((res) => setTimeout(res, 50))
    assert.ok(events.includes('127.0.0.1 tftp.start RRQ pxelinux.cfg/01-52-54-00-00-00-01'))
    assert.ok(events.some((e) => e.startsWith('127.0.0.1 tftp.done sent pxelinux.cfg/01-52-54-00-00-00-01')))
  })

  test('client ERROR 8 to the OACK ends that transfer; a retry without options succeeds', async () => {
    await assert.rejects(get('big.bin', {blksize: 1468, rejectOack: true}), (e: TftpClientError) => e.code === TftpErrorCode.OptionNegotiation)
    const r = await get('big.bin')
    assert.equal(r.sha256, sha(big))
  })

  test('missing files → ERROR 1, traversal → ERROR 2, WRQ → ERROR 2', async () => {
    await assert.rejects(get('nothere'), (e: TftpClientError) => e.code === TftpErrorCode.FileNotFound)
    await assert.rejects(get('../../etc/passwd'), (e: TftpClientError) => e.code === TftpErrorCode.AccessViolation)
    const peer = await rawPeer()
    peer.sock.send(encodePacket({op: 'wrq', filename: 'x', mode: 'octet', options: {}}), server.port, '127.0.0.1')
    const reply = await peer.next()
    peer.close()
    assert.deepEqual(reply?.p && {op: reply.p.op, code: (reply.p as {code: number}).code}, {op: 'error', code: TftpErrorCode.AccessViolation})
  })

  test('duplicate ACKs do not trigger duplicate DATA; strangers get ERROR 5', async () => {
    const peer = await rawPeer()
    peer.sock.send(encodePacket({op: 'rrq', filename: 'big.bin', mode: 'octet', options: {}}), server.port, '127.0.0.1')
    const d1 = await peer.next()
    assert.equal(d1?.p.op, 'data')
    const tid = d1!.port
    for (let i = 0; i < 3; i++) peer.sock.send(encodePacket({op: 'ack', block: 1}), tid, '127.0.0.1')
    const seen: number[] = []
    for (;;) {
      const m = await peer.next(400) // well under the 1 s retransmission timeout
      if (!m) break
      if (m.p.op === 'data') seen.push(m.p.block)
    }
    assert.deepEqual(seen, [2])
    const stranger = await rawPeer()
    stranger.sock.send(encodePacket({op: 'ack', block: 2}), tid, '127.0.0.1')
    const e = await stranger.next()
    assert.deepEqual(e && {op: e.p.op, code: (e.p as {code: number}).code}, {op: 'error', code: TftpErrorCode.UnknownTid})
    peer.sock.send(encodePacket({op: 'error', code: 0, message: 'bye'}), tid, '127.0.0.1')
    stranger.close()
    peer.close()
  })
})

describe('TFTP server under garbage', () => {
  test('100k random/mutated datagrams do not crash it; a valid RRQ is served afterwards', async () => {
    const root = tempDir('bmp-tftp-fuzz-')
    writeFileSync(join(root, 'pxelinux.0'), randomBytes(5000))
    const server = await startTftpServer({root, port: 0, bindAddress: '127.0.0.1', log: silentLogger, timeoutMs: 100, maxRetries: 1})
    try {
      const fuzz = createSocket('udp4')
      await new Promise<void>((r) => fuzz.bind(0, '127.0.0.1', () => r()))
      const seeds = [
        encodePacket({op: 'rrq', filename: 'pxelinux.0', mode: 'octet', options: {blksize: '1468', tsize: '0', windowsize: '4'}}),
        encodePacket({op: 'wrq', filename: 'x', mode: 'octet', options: {}}),
        encodePacket({op: 'ack', block: 1}), encodePacket({op: 'data', block: 1, data: Buffer.from('x')}),
        encodePacket({op: 'oack', options: {blksize: '8'}}), encodePacket({op: 'error', code: 8, message: 'x'}),
      ]
      let seed = 99
      const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32
      for (let batch = 0; batch < 1000; batch++) {
        const sends: Promise<void>[] = []
        for (let i = 0; i < 100; i++) {
          let buf: Buffer
          if (rand() < 0.5) {
            buf = Buffer.from(seeds[Math.floor(rand() * seeds.length)])
            for (let f = 0; f < 3; f++) buf[Math.floor(rand() * buf.length)] = Math.floor(rand() * 256)
            buf = buf.subarray(0, Math.ceil(rand() * buf.length))
          } else buf = randomBytes(Math.floor(rand() * 100))
          sends.push(new Promise((r) => fuzz.send(buf, server.port, '127.0.0.1', () => r())))
        }
        await Promise.all(sends)
        await new Promise((r) => setTimeout(r, 1)) // let the server drain its socket (same process)
      }
      fuzz.close()
      await new Promise((r) => setTimeout(r, 100))
      const stats = server.stats()
      assert.ok(stats.malformed > 1000, `malformed counted: ${stats.malformed}`)
      assert.ok(stats.rateLimited > 0, 'the flood hit the per-client rate limit')
      await new Promise((r) => setTimeout(r, 2500)) // let the bucket refill and fuzz transfers time out
      const r = await tftpGet({host: '127.0.0.1', port: server.port, filename: 'pxelinux.0', blksize: 1468})
      assert.equal(r.bytes, 5000)
    } finally {
      await server.close()
    }
  })
})
