import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import bootDevice, {type BootDeviceParams} from '../../../src/tasks/boot_device.js'
import {fakeHost, taskCtx, writes} from './bmc-fixtures.js'

const p = (device: BootDeviceParams['device'], persistent = false, uefi = false): BootDeviceParams => ({device, persistent, uefi})

describe('boot_device task', () => {
  test('declares params and check mode', () => {
    assert.equal(bootDevice.name, 'boot_device')
    assert.equal(bootDevice.supportsCheckMode, true)
    assert.deepEqual(bootDevice.params.device.choices, ['pxe', 'disk', 'cdrom', 'bios'])
    assert.equal(bootDevice.params.persistent.default, false)
  })

  test('check → apply → apply again', async () => {
    const {state, services} = fakeHost()
    const checked = await bootDevice.run(taskCtx(p('pxe', false, true), services, true))
    assert.equal(checked.changed, true)
    assert.match(String(checked.msg), /would set pxe once uefi \(now none once legacy\)/)
    assert.deepEqual(writes(state), [])

    const applied = await bootDevice.run(taskCtx(p('pxe', false, true), services))
    assert.equal(applied.changed, true)
    assert.deepEqual(applied.boot_device, {device: 'pxe', persistent: false, uefi: true})
    assert.equal(applied.warnings, undefined)
    assert.deepEqual(state.boot, {device: 'pxe', persistent: false, uefi: true})

    const again = await bootDevice.run(taskCtx(p('pxe', false, true), services))
    assert.equal(again.changed, false)
    assert.deepEqual(writes(state), ['setBootDevice:pxe'])
  })

  test('a different persistence or mode is a change', async () => {
    const {state, services} = fakeHost()
    state.boot = {device: 'disk', persistent: false, uefi: false}
    assert.equal((await bootDevice.run(taskCtx(p('disk', true), services))).changed, true)
    assert.deepEqual(state.boot, {device: 'disk', persistent: true, uefi: false})
  })

  test('a BMC that drops the persistent bit yields a warning, not silence', async () => {
    const {state, services} = fakeHost()
    state.quirks.dropPersistent = true
    const r = await bootDevice.run(taskCtx(p('disk', true), services))
    assert.equal(r.changed, true)
    assert.equal((r.warnings as string[]).length, 1)
    assert.match((r.warnings as string[])[0], /persistent differ/)
  })
})
