import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {closeSync, mkdirSync, openSync, readFileSync, readdirSync, statSync, writeFileSync, writeSync} from 'node:fs'
import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
import type {DeployServices} from '../../../src/deploy/context.js'
import type {Store} from '../../../src/state/store.js'
import imageWrite, {progressReader, type ImageWriteParams} from '../../../src/tasks/image_write.js'
import {needsCommands, needsRoot, skipUnless} from '../../support/env.js'
import {startTestSshd, type TestSshd} from '../../support/sshd.js'
import {ctxFor, fileServer, liveosOn, loopDisk, storeWith} from './deploy-fixtures.js'

const MiB = 1024 * 1024
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

test('progress lines split across chunks become percentages with bytes and rate', () => {
  const ctx = ctxFor({}, {})
  let t = 0
  const feed = progressReader(ctx, 1000, 0, () => (t += 1000))
  feed('noise\nprogr')
  feed('ess 250\nprogress 500\n')
  feed('progress 1000')
  assert.deepEqual(ctx.progressed.map((p) => p.message), ['image 25%', 'image 50%'])
  assert.equal(ctx.progressed[1].data?.bytes, 500)
  assert.equal(ctx.progressed[1].data?.total, 1000)
  assert.equal(typeof ctx.progressed[1].data?.rate, 'number')
  feed('\n')
  assert.equal(ctx.progressed.at(-1)?.message, 'image 100%')
})

describe('image_write task over SSH', {skip: skipUnless(needsRoot(), needsCommands('dropbear', 'dropbearkey', 'ssh-keygen', 'unshare', 'losetup', 'wget', 'qemu-img'))}, () => {
  let sshd: TestSshd
  let disk: ReturnType<typeof loopDisk>
  let srv: Awaited<ReturnType<typeof fileServer>>
  let store: Store
  let deploy: DeployServices
  let src: string
  const image = Buffer.concat([randomBytes(3 * MiB + 4321), Buffer.alloc(MiB)])

  before(async () => {
    sshd = await startTestSshd()
    const s = storeWith()
    store = s.store
    const httpRoot = join(s.dataDir, 'http')
    src = join(httpRoot, 'src')
    mkdirSync(src, {recursive: true})
    writeFileSync(join(src, 'img.raw'), image)
    writeFileSync(join(src, 'img.raw.gz'), gzipSync(image))
    writeFileSync(join(src, 'SHA256SUMS'), `${sha256(image)}  img.raw\n${'0'.repeat(64)}  other.raw\n`)
    execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', join(src, 'img.raw'), join(src, 'img.qcow2')])
    execFileSync('cp', [join(src, 'img.qcow2'), join(src, 'disguised.img')])
    srv = await fileServer(httpRoot)
    disk = loopDisk(s.dataDir, 32 * MiB, 'disk', 0xee)
    deploy = liveosOn(store, s.dataDir, sshd, [], {address: '127.0.0.1/8', http: {port: srv.port}})
  })
  after(() => { sshd?.stop(); srv?.close(); disk?.detach() })

  const run = (p: Partial<ImageWriteParams>, check = false) =>
    imageWrite.run(ctxFor({device: disk.dev, url: '', format: 'auto', ...p} as ImageWriteParams, {store, deploy}, {check}))
  const onDisk = () => readFileSync(disk.file)
  const resetDisk = () => {
    const fd = openSync(disk.file, 'r+')
    try { writeSync(fd, Buffer.alloc(32 * MiB, 0xee), 0, 32 * MiB, 0) } finally { closeSync(fd) }
  }
  /** `written`: qcow2 sizes are whole sectors, so its raw form ends in zero padding. */
  const assertImageOnDisk = (written = image.length) => {
    const d = onDisk()
    assert.ok(d.subarray(0, image.length).equals(image), 'image bytes on disk')
    assert.ok(d.subarray(image.length, written).every((b) => b === 0), 'padding')
    assert.equal(d[written], 0xee, 'bytes past the image untouched')
  }

  test('check mode writes nothing', async () => {
    const r = await run({url: `${srv.base}/src/img.raw`}, true)
    assert.equal(r.changed, true)
    assert.equal(onDisk()[0], 0xee)
  })

  test('raw image with its sha256: written, verified, event with bytes, duration and rate', async () => {
    const r = await run({url: `${srv.base}/src/img.raw`, checksum: `sha256:${sha256(image)}`})
    assert.equal(r.failed, undefined, String(r.msg))
    assert.deepEqual([r.changed, r.bytes, r.raw, r.disk], [true, image.length, sha256(image), sha256(image)])
    assertImageOnDisk()
    const ev = store.events('n1', {kinds: ['deploy.image_write']}).at(-1)!
    assert.equal(ev.data?.bytes, image.length)
    assert.equal(typeof ev.data?.durationSec, 'number')
    assert.equal(typeof ev.data?.rate, 'number')
  })

  test('gzip image, checksum of the compressed file', async () => {
    resetDisk()
    const gz = readFileSync(join(src, 'img.raw.gz'))
    const r = await run({url: `${srv.base}/src/img.raw.gz`, checksum: sha256(gz)})
    assert.equal(r.failed, undefined, String(r.msg))
    assert.equal(r.format, 'gz')
    assert.ok(onDisk().subarray(0, image.length).equals(image))
  })

  test('a wrong checksum fails naming both hashes and leaves the disk unbootable', async () => {
    const wrong = 'a'.repeat(64)
    const r = await run({url: `${srv.base}/src/img.raw`, checksum: `sha256:${wrong}`})
    assert.equal(r.failed, true)
    const msg = String(r.msg)
    assert.ok(msg.includes(`sha256:${wrong}`) && msg.includes(`sha256:${sha256(image)}`), msg)
    assert.ok(onDisk().subarray(0, MiB).every((b) => b === 0), 'partition table area wiped')
    const ev = store.events('n1', {kinds: ['deploy.image_write']}).at(-1)!
    assert.match(String(ev.data?.error), /checksum mismatch/)
  })

  test('a checksums-file URL is resolved by the image file name', async () => {
    const r = await run({url: `${srv.base}/src/img.raw`, checksum: `${srv.base}/src/SHA256SUMS`})
    assert.equal(r.failed, undefined, String(r.msg))
    assertImageOnDisk()
    const missing = await run({url: `${srv.base}/src/img.raw.gz`, checksum: `${srv.base}/src/SHA256SUMS`})
    assert.equal(missing.failed, true)
    assert.match(String(missing.msg), /SHA256SUMS has no sha256\/sha512 entry for img\.raw\.gz/)
  })

  test('qcow2 is converted once on the manager and served raw; a second run reuses the conversion', async () => {
    resetDisk()
    const q = readFileSync(join(src, 'img.qcow2'))
    const first = await run({url: `${srv.base}/src/img.qcow2`, checksum: `sha256:${sha256(q)}`})
    assert.equal(first.failed, undefined, String(first.msg))
    assert.deepEqual(first.converted, {file: `${sha256(q)}.raw`, cached: false})
    assert.equal(first.url, `${deploy.layout.httpBase}/images/${sha256(q)}.raw`)
    assert.equal(first.bytes, Math.ceil(image.length / 512) * 512)
    assertImageOnDisk(Number(first.bytes))
    const cachedFile = join(deploy.layout.imagesDir, `${sha256(q)}.raw`)
    const mtime = statSync(cachedFile).mtimeMs
    assert.equal(srv.gets.get('/src/img.qcow2'), 1)

    const second = await run({url: `${srv.base}/src/img.qcow2`, checksum: `sha256:${sha256(q)}`})
    assert.equal(second.failed, undefined, String(second.msg))
    assert.deepEqual(second.converted, {file: `${sha256(q)}.raw`, cached: true})
    assert.equal(srv.gets.get('/src/img.qcow2'), 1, 'the qcow2 was not downloaded again')
    assert.equal(statSync(cachedFile).mtimeMs, mtime, 'not converted again')
    assert.deepEqual(readdirSync(deploy.layout.imagesDir).sort(), [`${sha256(q)}.raw`, `${sha256(q)}.raw.sha256`], 'no temp files left')
  })

  test('qcow2 without the extension is recognised by its magic; a wrong checksum stops before the node', async () => {
    const r = await run({url: `${srv.base}/src/disguised.img`})
    assert.equal(r.failed, undefined, String(r.msg))
    assert.equal((r.converted as {cached: boolean}).cached, true, 'same source bytes → same cache entry')
    const bad = await run({url: `${srv.base}/src/disguised.img`, checksum: 'sha256:' + 'b'.repeat(64)})
    assert.equal(bad.failed, true)
    assert.match(String(bad.msg), new RegExp(`expected sha256:${'b'.repeat(64)}, got sha256:${sha256(readFileSync(join(src, 'disguised.img')))}`))
  })
})
