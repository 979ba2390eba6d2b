import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {execFile, execFileSync} from 'node:child_process'
import {promisify} from 'node:util'
import {createHash, randomBytes} from 'node:crypto'
import {createReadStream, existsSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
import {diskWipeScript, formatFromUrl, imageWriteScript, parseImageWriteResult, parseProgress} from '../../src/deploy/scripts.js'
import {needsCommands, needsRoot, skipUnless, tempDir} from '../support/env.js'

/** Runs a LiveOS script with the same busybox the LiveOS carries (async: our HTTP server must keep serving). */
async function busybox(script: string): Promise<string> {
  return (await promisify(execFile)('busybox', ['sh', '-c', script], {encoding: 'utf8', timeout: 60_000})).stdout
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

test('formatFromUrl', () => {
  assert.equal(formatFromUrl('http://192.0.2.1/a/disk.raw'), 'raw')
  assert.equal(formatFromUrl('http://192.0.2.1/a/disk.img.gz?x'), 'gz')
  assert.equal(formatFromUrl('http://192.0.2.1/a/disk.img.XZ'), 'xz')
  assert.equal(formatFromUrl('http://192.0.2.1/a/disk.zst'), 'zst')
})

test('parseProgress takes the latest figure', () => assert.equal(parseProgress('progress 10\nprogress 2048\n'), 2048))

// blockdev on a regular file needs a loop device, so these run as root with losetup.
describe('LiveOS scripts under busybox', {skip: skipUnless(needsRoot(), needsCommands('busybox', 'losetup', 'gzip'))}, () => {
  let server: Server
  let base: string
  let dir: string
  let loop: string
  const image = Buffer.concat([randomBytes(3 * 1024 * 1024 + 123), Buffer.alloc(1024 * 1024)])

  before(async () => {
    dir = tempDir()
    writeFileSync(join(dir, 'img.raw'), image)
    writeFileSync(join(dir, 'img.raw.gz'), gzipSync(image))
    server = createServer((req, res) => {
      const f = join(dir, req.url!.slice(1))
      if (!existsSync(f)) return void res.writeHead(404).end()
      res.writeHead(200, {'content-length': statSync(f).size})
      createReadStream(f).pipe(res)
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as {port: number}).port}`
    writeFileSync(join(dir, 'disk'), Buffer.alloc(16 * 1024 * 1024, 0xee))
    loop = execFileSync('losetup', ['--show', '-f', join(dir, 'disk')], {encoding: 'utf8'}).trim()
  })
  after(() => {
    server?.close()
    if (loop) execFileSync('losetup', ['-d', loop])
  })

  for (const name of ['img.raw', 'img.raw.gz']) {
    test(`image write of ${name}: hashes of source, stream and disk read-back`, async () => {
      const out = await busybox(imageWriteScript({url: `${base}/${name}`, device: loop, format: formatFromUrl(`${base}/${name}`)}))
      const r = parseImageWriteResult(out)
      assert.ok(r, out)
      assert.equal(r.bytes, image.length)
      assert.equal(r.source, sha256(readFileSync(join(dir, name))))
      assert.equal(r.raw, sha256(image))
      assert.equal(r.disk, sha256(image))
      const disk = readFileSync(join(dir, 'disk'))
      assert.ok(disk.subarray(0, image.length).equals(image), 'image bytes on disk')
      assert.equal(disk[image.length], 0xee, 'bytes past the image untouched')
    })
  }

  test('a failing download fails the script (pipefail)', async () => {
    await assert.rejects(busybox(imageWriteScript({url: `${base}/missing`, device: loop, format: 'raw'})))
  })

  test('metadata wipe zeroes the first and last MiB, keeps the middle', async () => {
    writeFileSync(join(dir, 'disk'), Buffer.alloc(16 * 1024 * 1024, 0xab))
    assert.match(await busybox(diskWipeScript(loop, 'metadata')), /wiped metadata/)
    const disk = readFileSync(join(dir, 'disk'))
    const MiB = 1024 * 1024
    assert.ok(disk.subarray(0, MiB).every((b) => b === 0))
    assert.ok(disk.subarray(disk.length - MiB).every((b) => b === 0))
    assert.ok(disk.subarray(MiB, disk.length - MiB).every((b) => b === 0xab))
  })
})
