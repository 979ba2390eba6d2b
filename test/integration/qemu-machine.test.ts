import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {buildGuestImage} from '../../src/testenv/guest-image.js'
import {QemuMachine} from '../../src/testenv/qemu-machine.js'
import {startIpmiVbmc, type IpmiVbmc} from '../../src/testenv/vbmc/ipmi-server.js'
import {needsCommands, needsRoot, skipUnless, tempDir} from '../support/env.js'
import {ipmitoolArgs, runIpmitool} from '../support/ipmi-tool.js'
import {createLabNet, uniqueVmName, type LabNet} from '../support/lab-net.js'

/**
 * A QemuMachine behind the IPMI vBMC, driven by ipmitool: power and boot device turn into
 * qemu processes with the matching boot order (checked in /proc/<pid>/cmdline).
 */
const skip = skipUnless(needsRoot(), needsCommands('qemu-system-x86_64', 'ipmitool', 'syslinux', 'mcopy'))
const PASSWORD = randomBytes(8).toString('hex')

const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
const alive = (pid: number) => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').length > 0 } catch { return false } }

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('QemuMachine through the IPMI vBMC', {skip, timeout: 300_000}, () => {
  const tmp = tempDir('bmpctl-qm-it-')
  let lab: LabNet
  let machine: QemuMachine
  let vbmc: IpmiVbmc
  const consoleBytes: Buffer[] = []
  const ipmi = async (...args: string[]) => {
    const r = await runIpmitool(ipmitoolArgs(vbmc.port, 'admin', 17, args), PASSWORD)
    assert.equal(r.code, 0, `ipmitool ${args.join(' ')}: ${r.stderr}`)
    return r.stdout
  }

  before(async () => {
    const image = await buildGuestImage({out: join(tmp, 'guest.raw'), sizeMiB: 64})
    lab = createLabNet('qm')
    const tap = lab.addTap()
    machine = new QemuMachine({
      name: uniqueVmName('qm'), disks: [image.path], nics: [{mac: '52:54:00:4d:00:01', tap}],
      consoleLog: join(tmp, 'console.log'), netns: lab.ns, softOffGraceMs: 2000,
    })
    machine.console.on('data', (d: Buffer) => consoleBytes.push(d))
    vbmc = await startIpmiVbmc({machine, port: 0, bindAddress: '127.0.0.1', users: [{name: 'admin', password: PASSWORD, privilege: 'administrator'}]})
  })

  after(async () => {
    await vbmc?.close()
    await machine?.powerOff(true)
    machine?.close()
    lab?.destroy()
  })

  test('bootdev disk + power on starts qemu booting the disk; the console shows the guest', async () => {
    await ipmi('chassis', 'bootdev', 'disk')
    await ipmi('power', 'on')
    await until('qemu runs', () => machine.pid !== undefined)
    assert.ok(cmdline(machine.pid!).includes('order=c'))
    assert.match(await ipmi('power', 'status'), /Chassis Power is on/)
    await until('the guest is up on the console', () => Buffer.concat(consoleBytes).toString('latin1').includes('BMPCTL-GUEST-UP'), 180_000)
    assert.match(readFileSync(join(tmp, 'console.log'), 'latin1'), /BMPCTL-GUEST-UP hostname=guest/)
  })

  test('reset with the same boot device keeps the qemu process (system_reset)', async () => {
    const pid = machine.pid!
    await ipmi('chassis', 'bootdev', 'disk')
    await ipmi('power', 'reset')
    await new Promise((r) => setTimeout(r, 500))
    assert.equal(machine.pid, pid)
    assert.ok(alive(pid))
  })

  test('bootdev pxe + reset restarts qemu with network boot; the console log keeps the earlier run', async () => {
    const old = machine.pid!
    await ipmi('chassis', 'bootdev', 'pxe')
    await ipmi('power', 'reset')
    await until('a new qemu runs', () => machine.pid !== undefined && machine.pid !== old)
    assert.ok(!alive(old), 'the disk-boot qemu is gone')
    const argv = cmdline(machine.pid!)
    assert.ok(argv.includes('order=n'))
    assert.ok(argv.some((a) => a.includes('romfile=/usr/lib/ipxe/qemu/pxe-virtio.rom')))
    assert.match(readFileSync(join(tmp, 'console.log'), 'latin1'), /BMPCTL-GUEST-UP/)
  })

  test('soft power off falls back to pulling the plug when the guest ignores ACPI', async () => {
    const pid = machine.pid!
    await ipmi('power', 'soft')
    await until('the machine is off', async () => (await machine.powerState()) === 'off')
    assert.ok(!alive(pid), 'qemu has exited')
    assert.match(await ipmi('power', 'status'), /Chassis Power is off/)
  })

  test('power off stops qemu; qemu exiting on its own turns the machine off', async () => {
    await ipmi('chassis', 'bootdev', 'disk')
    await ipmi('power', 'on')
    await until('qemu runs', () => machine.pid !== undefined)
    const first = machine.pid!
    await ipmi('power', 'off')
    await until('the machine is off', async () => (await machine.powerState()) === 'off')
    assert.ok(!alive(first), 'qemu has exited')

    await ipmi('power', 'on')
    await until('qemu runs again', () => machine.pid !== undefined)
    const second = machine.pid!
    assert.notEqual(second, first)
    process.kill(second, 'SIGTERM') // as when the guest powers itself off: qemu just exits
    await until('the machine notices', async () => (await machine.powerState()) === 'off')
    assert.match(await ipmi('power', 'status'), /Chassis Power is off/)
  })
})
