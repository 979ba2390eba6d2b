import {test, describe} from 'node:test'
import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {blockSource, type BlockSource} from '../../../src/servers/tftp/source.js'

/** Chunk reader over fixed chunk sizes, so blocks straddle chunk boundaries. */
function chunked(data: Buffer, sizes: number[]): () => Promise<Buffer | null> {
  let pos = 0
  let i = 0
  return async () => {
    if (pos >= data.length) return null
    const n = sizes[i++ % sizes.length]
    const c = data.subarray(pos, pos + n)
    pos += c.length
    return c
  }
}

/** Drains a source the way a transfer does: take while buffered, await ready() otherwise. */
async function drain(src: BlockSource, blksize: number): Promise<Buffer[]> {
  const out: Buffer[] = []
  for (;;) {
    const b = src.take()
    if (b === undefined) { await src.ready(); continue }
    out.push(b)
    if (b.length < blksize) return out
  }
}

describe('TFTP block source (read-ahead)', () => {
  test('blocks spanning uneven chunks reassemble the exact data; the last block is short', async () => {
    const data = randomBytes(10_000)
    const blocks = await drain(blockSource(chunked(data, [700, 1, 3000, 511]), 512, 2048), 512)
    assert.ok(blocks.slice(0, -1).every((b) => b.length === 512))
    assert.equal(blocks.at(-1)!.length, 10_000 % 512)
    assert.deepEqual(Buffer.concat(blocks), data)
  })

  test('data that is an exact multiple of blksize ends with an empty block', async () => {
    const data = randomBytes(512 * 4)
    const blocks = await drain(blockSource(chunked(data, [1000]), 512, 512), 512)
    assert.deepEqual(blocks.map((b) => b.length), [512, 512, 512, 512, 0])
  })

  test('empty data is one empty block', async () => {
    const blocks = await drain(blockSource(chunked(Buffer.alloc(0), [1]), 512, 512), 512)
    assert.deepEqual(blocks.map((b) => b.length), [0])
  })

  test('reads ahead up to the requested bytes without being asked', async () => {
    let reads = 0
    const inner = chunked(randomBytes(100_000), [1024])
    const src = blockSource(async () => { reads++; return inner() }, 512, 8192)
    await src.ready()
    await new Promise((r) => setTimeout(r, 20))
    assert.equal(reads, 8, 'stops at 8 KiB buffered')
    for (let i = 0; i < 8; i++) assert.equal(src.take()?.length, 512) // 4 KiB taken → refills
    await new Promise((r) => setTimeout(r, 20))
    assert.equal(reads, 12)
  })

  test('a read error surfaces from ready() and take()', async () => {
    let n = 0
    const src = blockSource(async () => { if (n++ === 0) return Buffer.alloc(512); throw new Error('EIO') }, 512, 4096)
    await src.ready()
    assert.equal(src.take()?.length, 512)
    await assert.rejects(src.ready(), /EIO/)
    assert.throws(() => src.take(), /EIO/)
  })
})
