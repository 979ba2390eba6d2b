import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'
import {describe, test} from 'node:test'
import {moduleName, parseModulesBuiltin, parseModulesDep, planModules, renderModulesDep} from '../../../src/liveos/modules.js'
import {findKernel} from '../../../src/liveos/inputs.js'

const DEP = `kernel/drivers/net/virtio_net.ko.xz: kernel/drivers/net/net_failover.ko.xz kernel/net/core/failover.ko.xz kernel/drivers/virtio/virtio.ko
kernel/drivers/net/net_failover.ko.xz: kernel/net/core/failover.ko.xz
kernel/net/core/failover.ko.xz:
kernel/drivers/virtio/virtio.ko:
kernel/drivers/nvme/host/nvme-core.ko:
kernel/drivers/nvme/host/nvme.ko: kernel/drivers/nvme/host/nvme-core.ko
`

describe('kernel module planning', () => {
  test('module names drop the directory, .ko suffix and compression, and use underscores', () => {
    assert.equal(moduleName('kernel/drivers/net/virtio_net.ko.xz'), 'virtio_net')
    assert.equal(moduleName('kernel/drivers/nvme/host/nvme-core.ko'), 'nvme_core')
    assert.equal(moduleName('kernel/lib/crc64.ko.zst'), 'crc64')
  })

  test('dependencies load before the modules that need them; built-in and missing are reported', () => {
    const dep = parseModulesDep(DEP)
    const plan = planModules(['virtio_net', 'nvme', 'ext4', 'nope'], dep, parseModulesBuiltin('kernel/fs/ext4/ext4.ko\n'))
    const order = plan.loadOrder
    assert.deepEqual(new Set(order), new Set([...dep.values()].map((m) => m.path)))
    const before = (a: string, b: string) => order.indexOf(a) < order.indexOf(b)
    assert.ok(before('kernel/net/core/failover.ko.xz', 'kernel/drivers/net/net_failover.ko.xz'))
    assert.ok(before('kernel/drivers/net/net_failover.ko.xz', 'kernel/drivers/net/virtio_net.ko.xz'))
    assert.ok(before('kernel/drivers/virtio/virtio.ko', 'kernel/drivers/net/virtio_net.ko.xz'))
    assert.ok(before('kernel/drivers/nvme/host/nvme-core.ko', 'kernel/drivers/nvme/host/nvme.ko'))
    assert.deepEqual(plan.builtin, ['ext4'])
    assert.deepEqual(plan.missing, ['nope'])
  })

  test('a dependency cycle or a dangling dependency is an error', () => {
    assert.throws(() => planModules(['a'], parseModulesDep('a.ko: b.ko\nb.ko: a.ko\n'), new Set()), /cycle/)
    assert.throws(() => planModules(['a'], parseModulesDep('a.ko: zz.ko\n'), new Set()), /no entry for it/)
  })

  test('the carried modules.dep renames compressed paths', () => {
    const dep = parseModulesDep(DEP)
    const plan = planModules(['virtio_net'], dep, new Set())
    const text = renderModulesDep(plan.loadOrder, dep, (p) => p.replace(/\.xz$/, ''))
    assert.match(text, /^kernel\/drivers\/net\/virtio_net\.ko: kernel\/drivers\/net\/net_failover\.ko kernel\/net\/core\/failover\.ko kernel\/drivers\/virtio\/virtio\.ko$/m)
    assert.doesNotMatch(text, /\.xz/)
  })

  test("the installed kernel's modules.dep resolves virtio_net and virtio_blk", {skip: existsSync('/boot') && safeKernel() ? false : 'no kernel installed'}, () => {
    const k = findKernel()
    const dep = parseModulesDep(readFileSync(`${k.modulesDir}/modules.dep`, 'utf8'))
    const plan = planModules(['virtio_net', 'virtio_blk'], dep, new Set())
    assert.deepEqual(plan.missing, [])
    const names = plan.loadOrder.map(moduleName)
    assert.ok(names.indexOf('virtio') < names.indexOf('virtio_net'), names.join(' '))
  })
})

function safeKernel(): boolean {
  try { findKernel(); return true } catch { return false }
}
