import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdirSync, symlinkSync, writeFileSync} from 'node:fs'
import {cpus, totalmem} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {before, describe, test} from 'node:test'
import {parseLiveOsFacts} from '../../../src/liveos/facts.js'
import {needsCommands, tempDir} from '../../support/env.js'

/** Runs the agent's scripts with the host's busybox, as the LiveOS would. */
const agent = fileURLToPath(new URL('../../../src/liveos/agent', import.meta.url))
const skip = needsCommands('busybox')
const tmp = tempDir('bmpctl-facts-')
const bin = join(tmp, 'bin')

function busyboxSh(script: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync('busybox', ['sh', script, ...args], {encoding: 'utf8', env: {PATH: bin, ...env}})
}

function put(root: string, rel: string, text: string): void {
  mkdirSync(dirname(join(root, rel)), {recursive: true})
  writeFileSync(join(root, rel), text)
}

describe('LiveOS agent scripts under busybox', {skip}, () => {
  before(() => {
    mkdirSync(bin)
    const applets = execFileSync('busybox', ['--list'], {encoding: 'utf8'}).trim().split('\n')
    const busybox = execFileSync('sh', ['-c', 'command -v busybox'], {encoding: 'utf8'}).trim()
    for (const a of applets) symlinkSync(busybox, join(bin, a))
  })

  test('facts.sh on this host prints facts that validate and match the host', () => {
    const hk = join(tmp, 'hk.pub')
    writeFileSync(hk, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample\n')
    const facts = parseLiveOsFacts(busyboxSh(join(agent, 'facts.sh'), [hk], {LIVEOS_IP: '192.0.2.9'}))
    assert.equal(facts.cpu.count, cpus().length)
    assert.equal(facts.memoryMiB, Math.floor(totalmem() / 1024 / 1024))
    assert.equal(facts.ip, '192.0.2.9')
    assert.deepEqual(facts.hostKeys, ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample'])
    assert.ok(facts.disks.every((d) => !/^(loop|ram|sr)/.test(d.name)))
  })

  test('facts.sh reads a fake sysfs: sizes, odd strings, carrier, DMI, UEFI', () => {
    const sys = join(tmp, 'sys'), proc = join(tmp, 'proc')
    put(proc, 'cpuinfo', 'processor\t: 0\nmodel name\t: Test "CPU" \\ 9000\nprocessor\t: 1\nmodel name\t: Test "CPU" \\ 9000\n')
    put(proc, 'meminfo', 'MemTotal:        2097152 kB\n')
    put(sys, 'block/sda/size', '7814037168\n')
    put(sys, 'block/sda/device/model', 'ST4000NM "X"\n')
    put(sys, 'block/sda/device/serial', 'ZC1\tABC\n')
    put(sys, 'block/sda/device/wwid', 'naa.5000c500a1b2c3d4\n')
    put(sys, 'block/sda/queue/rotational', '1\n')
    put(sys, 'block/loop0/size', '8\n')
    put(sys, 'block/nvme0n1/size', '2048\n')
    put(sys, 'block/nvme0n1/queue/rotational', '0\n')
    put(sys, 'class/net/enp1s0/address', 'AA:BB:CC:00:11:22\n')
    put(sys, 'class/net/enp1s0/speed', '10000\n')
    put(sys, 'class/net/enp1s0/carrier', '1\n')
    mkdirSync(join(sys, 'class/net/enp1s0/device'))
    put(sys, 'class/net/enp2s0/address', 'aa:bb:cc:00:11:23\n')
    put(sys, 'class/net/enp2s0/speed', '-1\n')
    mkdirSync(join(sys, 'class/net/enp2s0/device'))
    put(sys, 'class/net/lo/address', '00:00:00:00:00:00\n')
    put(sys, 'class/dmi/id/sys_vendor', 'Dell Inc.\n')
    put(sys, 'class/dmi/id/product_name', 'PowerEdge R650\n')
    put(sys, 'class/dmi/id/product_serial', 'ABC1234\n')
    mkdirSync(join(sys, 'firmware/efi'), {recursive: true})
    const facts = parseLiveOsFacts(busyboxSh(join(agent, 'facts.sh'), [], {LIVEOS_SYS: sys, LIVEOS_PROC: proc}))
    assert.deepEqual(facts.cpu, {model: 'Test CPU  9000', count: 2})
    assert.equal(facts.memoryMiB, 2048)
    assert.deepEqual(facts.disks, [
      {name: 'nvme0n1', sizeBytes: 2048 * 512, model: null, serial: null, wwn: null, rotational: false},
      {name: 'sda', sizeBytes: 7814037168 * 512, model: 'ST4000NM X', serial: 'ZC1ABC', wwn: 'naa.5000c500a1b2c3d4', rotational: true},
    ])
    assert.deepEqual(facts.macs, ['aa:bb:cc:00:11:22', 'aa:bb:cc:00:11:23'])
    assert.deepEqual(facts.nics.map((n) => [n.name, n.speedMbps, n.carrier]), [['enp1s0', 10000, true], ['enp2s0', null, null]])
    assert.deepEqual(facts.dmi, {vendor: 'Dell Inc.', product: 'PowerEdge R650', serial: 'ABC1234', uuid: null})
    assert.equal(facts.bootMode, 'uefi')
    assert.equal(facts.ip, null)
    assert.deepEqual(facts.hostKeys, [])
  })

  test('cmdline_get finds exact keys only and does not glob', () => {
    const cmdline = join(tmp, 'cmdline')
    writeFileSync(cmdline, 'console=ttyS0 bmpctl.tokenx=no bmpctl.token=abc-_1 bmpctl.callback=http://192.0.2.1:8080/cb bmpctl.sshkey=c3No/+== x=*\n')
    writeFileSync(join(tmp, 'x=glob'), '') // would be picked up if the words were globbed
    const script = `. ${join(agent, 'lib.sh')}; for k in bmpctl.token bmpctl.callback bmpctl.sshkey x; do cmdline_get $k; done; cmdline_get bmpctl.nothing || echo absent`
    const out = execFileSync('busybox', ['sh', '-c', script], {encoding: 'utf8', env: {PATH: bin, LIVEOS_CMDLINE_FILE: cmdline}, cwd: tmp})
    assert.equal(out, 'abc-_1\nhttp://192.0.2.1:8080/cb\nc3No/+==\n*\nabsent\n')
  })

  test('parseLiveOsFacts names every bad field', () => {
    assert.throws(() => parseLiveOsFacts('{not json'), /not JSON/)
    assert.throws(() => parseLiveOsFacts({schema: 1}), /kernel: missing or wrong type.*macs: missing/)
    const good = JSON.parse(busyboxSh(join(agent, 'facts.sh'), [])) as Record<string, unknown>
    assert.throws(() => parseLiveOsFacts({...good, hostKeys: ['not a key line!']}), /hostKeys/)
    assert.throws(() => parseLiveOsFacts({...good, bootMode: 'efi'}), /bootMode/)
  })
})
