import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {FIRMWARE, qemuCommand, type VmOptions} from '../../../src/testenv/qemu-args.js'
import {InputError} from '../../../src/errors.js'
import {tempDir} from '../../support/env.js'

const tmp = tempDir('bmpctl-qemu-args-')
const disk = join(tmp, 'disk.raw')
writeFileSync(disk, '')
const base: VmOptions = {name: 'vm1', nics: [{mac: '52-54-00-AA-BB-CC', tap: 'tap0'}], boot: 'network', serialLog: join(tmp, 's.log')}
const argValue = (args: string[], flag: string) => args.filter((_, i) => args[i - 1] === flag)

describe('qemu command line', () => {
  test('TCG, no defaults, serial to file, QMP socket, PXE ROM on a network boot', () => {
    const {args, config} = qemuCommand({...base, disks: [disk]}, '/tmp/q.sock', '/tmp/q.cfg')
    assert.deepEqual(argValue(args, '-accel'), ['tcg'])
    assert.ok(args.includes('-nodefaults') && args.includes('-no-user-config'))
    assert.deepEqual(argValue(args, '-display'), ['none'])
    assert.deepEqual(argValue(args, '-serial'), [`file:${base.serialLog}`])
    assert.deepEqual(argValue(args, '-qmp'), ['unix:/tmp/q.sock,server=on,wait=off'])
    assert.deepEqual(argValue(args, '-netdev'), ['tap,id=n0,ifname=tap0,script=no,downscript=no'])
    assert.deepEqual(argValue(args, '-device'), [`virtio-net-pci,disable-legacy=on,netdev=n0,mac=52:54:00:aa:bb:cc,romfile=${FIRMWARE.biosRom}`])
    assert.deepEqual(argValue(args, '-drive'), [`file=${disk},if=virtio,format=raw,index=0`])
    assert.deepEqual(argValue(args, '-boot'), ['order=n'])
    assert.equal(config, '')
  })

  test('UEFI uses OVMF and the EFI ROM; disk boot orders c', () => {
    const uefi = qemuCommand({...base, uefi: true}, '/q', '/c').args
    assert.deepEqual(argValue(uefi, '-bios'), [FIRMWARE.ovmf])
    assert.match(argValue(uefi, '-device')[0], /romfile=\/usr\/lib\/ipxe\/qemu\/efi-virtio\.rom$/)
    assert.deepEqual(argValue(qemuCommand({...base, boot: 'disk'}, '/q', '/c').args, '-boot'), ['order=c'])
  })

  test('UEFI network boot puts the NICs first (OVMF ignores -boot order); disk boot and BIOS leave the order alone', () => {
    const two = {...base, nics: [base.nics[0], {mac: '52:54:00:00:00:02', tap: 'tap1'}]}
    const devices = argValue(qemuCommand({...two, uefi: true}, '/q', '/c').args, '-device')
    assert.deepEqual(devices.map((d) => d.match(/bootindex=(\d+)/)?.[1]), ['0', '1'])
    assert.ok(!argValue(qemuCommand({...two, uefi: true, boot: 'disk'}, '/q', '/c').args, '-device').some((d) => d.includes('bootindex')))
    assert.ok(!argValue(qemuCommand(two, '/q', '/c').args, '-device').some((d) => d.includes('bootindex')))
  })

  test('direct kernel boot keeps the command line (and its token) out of argv', () => {
    const {args, config} = qemuCommand({...base, kernel: '/k', initrd: '/i', append: 'console=ttyS0 bmpctl.token=SECRET'}, '/q', '/tmp/c.cfg')
    assert.ok(!args.join(' ').includes('SECRET'))
    assert.deepEqual(argValue(args, '-readconfig'), ['/tmp/c.cfg'])
    assert.equal(config, '[machine]\n  append = "console=ttyS0 bmpctl.token=SECRET"\n')
    assert.match(argValue(args, '-device')[0], /romfile=$/)
  })

  test('user networking is restricted so a guest cannot reach real networks', () => {
    const {args} = qemuCommand({...base, nics: [{mac: '52:54:00:00:00:01', netdev: 'user'}]}, '/q', '/c')
    assert.deepEqual(argValue(args, '-netdev'), ['user,id=n0,restrict=on'])
  })

  test('bad options are an InputError naming each field', () => {
    assert.throws(
      () => qemuCommand({...base, name: 'bad name', memoryMiB: 10, nics: [{mac: 'zz'}], disks: ['/nonexistent.img'], append: 'a"b'}, '/q', '/c'),
      (err: unknown) => err instanceof InputError &&
        ['name', 'memoryMiB', 'nics[0].mac', 'nics[0]:', 'disks[0]', 'append', 'kernel'].every((f) => err.message.includes(f)),
    )
  })
})
