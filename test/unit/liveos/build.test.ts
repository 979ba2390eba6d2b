import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdirSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {before, describe, test} from 'node:test'
import {buildLiveOs, LIVEOS_SIZE_TARGET, type LiveOsBuild} from '../../../src/liveos/build.js'
import {readCpio, type CpioRecord} from '../../../src/liveos/cpio.js'
import {findKernel, sharedLibraries, whichSystem} from '../../../src/liveos/inputs.js'
import {EnvironmentError} from '../../../src/errors.js'
import {needsCommands, skipUnless, tempDir} from '../../support/env.js'

function hasKernel(): string | false {
  try { findKernel(); return false } catch (err) { return (err as Error).message }
}
const skip = skipUnless(needsCommands('busybox', 'dropbear', 'dropbearkey', 'zstd', 'ldd'), hasKernel())

describe('LiveOS build', {skip, timeout: 300_000}, () => {
  const tmp = tempDir('bmpctl-liveos-build-')
  let first: LiveOsBuild
  let second: LiveOsBuild
  let files: Map<string, CpioRecord>

  before(async () => {
    // Two independent builds (separate caches): reproducibility, not cache reuse.
    first = await buildLiveOs({outDir: join(tmp, 'a')})
    second = await buildLiveOs({outDir: join(tmp, 'b')})
    const raw = execFileSync('zstd', ['-dc', first.initrd], {maxBuffer: 512 * 1024 * 1024})
    files = new Map(readCpio(raw).map((r) => [r.path, r]))
  })

  test('two builds from the same inputs are byte-identical', () => {
    assert.equal(first.reused, false)
    assert.equal(second.reused, false)
    assert.equal(first.sha256, second.sha256)
    assert.deepEqual(readFileSync(first.initrd), readFileSync(second.initrd))
  })

  test('an unchanged build reuses the cached image; no temp files are left behind', async () => {
    const again = await buildLiveOs({outDir: join(tmp, 'a')})
    assert.equal(again.reused, true)
    assert.equal(again.sha256, first.sha256)
    const leftovers = [...readdirSync(join(tmp, 'a')), ...readdirSync(join(tmp, 'a', '.cache'))].filter((f) => f.includes('.tmp-'))
    assert.deepEqual(leftovers, [])
  })

  test('a shared cache dir serves another output dir', async () => {
    const cache = join(tmp, 'shared-cache')
    mkdirSync(cache)
    const x = await buildLiveOs({outDir: join(tmp, 'x'), cacheDir: cache})
    const y = await buildLiveOs({outDir: join(tmp, 'y'), cacheDir: cache})
    assert.deepEqual([x.reused, y.reused], [false, true])
    assert.deepEqual(readFileSync(y.initrd), readFileSync(first.initrd))
  })

  test(`the initrd is below ${LIVEOS_SIZE_TARGET / 1024 / 1024} MB and the kernel is the installed one`, () => {
    assert.ok(first.sizeBytes < LIVEOS_SIZE_TARGET, `${first.sizeBytes} bytes`)
    assert.equal(first.sizeBytes, readFileSync(first.initrd).length)
    assert.deepEqual(readFileSync(first.kernel), readFileSync(findKernel().image))
  })

  test('carries /init, busybox with applet links, dropbear and every library it needs', () => {
    assert.equal(files.get('init')!.mode & 0o111, 0o111)
    assert.match(files.get('init')!.data.toString(), /^#!\/bin\/sh/)
    assert.deepEqual(files.get('bin/busybox')!.data, readFileSync(whichSystem('busybox')!))
    for (const applet of ['sh', 'udhcpc', 'wget', 'dd', 'sha256sum', 'xzcat', 'insmod']) {
      assert.equal(files.get(`bin/${applet}`)?.data.toString(), 'busybox', applet)
    }
    assert.ok(files.has('bin/dropbear') && files.has('bin/dropbearkey'))
    const libs = sharedLibraries(whichSystem('dropbear')!)
    assert.ok(libs.length > 0)
    for (const lib of libs) assert.deepEqual(files.get(lib.slice(1))?.data, readFileSync(lib), lib)
    for (const script of ['lib.sh', 'setup.sh', 'callback.sh', 'facts.sh', 'udhcpc.script']) assert.ok(files.has(`lib/liveos/${script}`), script)
    assert.ok([...files.values()].every((r) => r.uid === 0 && r.gid === 0 && r.mtime === 0))
  })

  test('carries NIC and disk modules with a dependency-ordered load list', () => {
    const base = `lib/modules/${first.kernelVersion}`
    const load = files.get(`${base}/liveos.load`)!.data.toString().trim().split('\n')
    const idx = (suffix: string) => load.findIndex((p) => p.endsWith(suffix))
    for (const m of ['/virtio_net.ko', '/virtio_blk.ko', '/virtio_pci.ko', '/e1000e.ko', '/nvme.ko', '/ahci.ko', '/sd_mod.ko']) {
      assert.ok(idx(m) >= 0, `${m} in liveos.load`)
      assert.ok(files.has(`${base}/${load[idx(m)]}`), `${m} file carried`)
    }
    assert.ok(idx('/virtio.ko') < idx('/virtio_net.ko'))
    assert.ok(idx('/libata.ko') < idx('/ahci.ko'))
  })

  test('a missing kernel version is an environment error naming the package', () => {
    assert.throws(() => findKernel('0.0.0-none'), (err: unknown) => err instanceof EnvironmentError && /kernel 0\.0\.0-none not found/.test(err.message))
    assert.throws(() => findKernel(undefined, join(tmp, 'no-boot')), (err: unknown) => err instanceof EnvironmentError && /linux-image-amd64/.test(err.hint ?? ''))
  })
})
