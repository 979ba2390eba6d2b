import assert from 'node:assert/strict'
import {test} from 'node:test'
import type {BootDevice} from '../../../src/bmc/types.js'
import {QemuMachine, firmwareBoot} from '../../../src/testenv/qemu-machine.js'

test('only pxe boots the network; every other device boots the disk', () => {
  const table: [BootDevice, string][] = [['pxe', 'network'], ['disk', 'disk'], ['cdrom', 'disk'], ['bios', 'disk'], ['none', 'disk']]
  for (const [device, want] of table) assert.equal(firmwareBoot({device, persistent: false, uefi: false}), want, device)
})

test('a machine that was never powered on is off and has no qemu', async () => {
  const m = new QemuMachine({name: 'idle', disks: [], nics: [], consoleLog: '/nonexistent/console.log'})
  assert.equal(await m.powerState(), 'off')
  assert.equal(m.pid, undefined)
  await m.powerOff(true) // nothing to stop: no error
  assert.equal(await m.powerState(), 'off')
})
