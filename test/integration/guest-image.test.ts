import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {execFileSync} from 'node:child_process'
import {closeSync, openSync, readFileSync, readSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {after, before, describe, test} from 'node:test'
import ssh2 from 'ssh2'
import {buildConfigDriveIso} from '../../src/deploy/configdrive.js'
import {buildGuestImage, type GuestImage} from '../../src/testenv/guest-image.js'
import {startVm, type VmHandle} from '../../src/testenv/qemu.js'
import {needsCommands, needsRoot, skipUnless, tempDir} from '../support/env.js'
import {createLabNet, uniqueVmName, type LabNet} from '../support/lab-net.js'
import {JsonLines} from '../support/lab-lines.js'
import {nsSpawn} from '../support/netns.js'

/**
 * Boots the guest test image from its own disk (SYSLINUX, `-boot c`) with an OpenStack
 * config drive as a second disk, then logs in over SSH with the drive's key from inside
 * the lab namespace and checks hostname and address came from the drive.
 */
const {utils} = ssh2
const repo = fileURLToPath(new URL('../..', import.meta.url))
const skip = skipUnless(needsRoot(), needsCommands('qemu-system-x86_64', 'syslinux', 'mcopy', 'mformat', 'sfdisk', 'genisoimage'))

interface SshResult {cmd: string; code: number | null; stdout: string; stderr: string}

describe('guest test image', {skip, timeout: 300_000}, () => {
  const tmp = tempDir('bmpctl-guest-it-')
  const mac = `52:54:00:${randomBytes(3).toString('hex').match(/../g)!.join(':')}`
  const hostname = `guest-${randomBytes(3).toString('hex')}`
  const key = utils.generateKeyPairSync('ed25519', {comment: 'guest-test'})
  const keyFile = join(tmp, 'id_ed25519')
  let image: GuestImage
  let lab: LabNet | undefined
  let vm: VmHandle | undefined

  before(async () => {
    image = await buildGuestImage({out: join(tmp, 'guest.raw'), sizeMiB: 64})
    writeFileSync(keyFile, key.private, {mode: 0o600})
  })

  after(async () => {
    await vm?.stop()
    lab?.destroy()
  })

  test('the image is an MBR disk with one active FAT partition and SYSLINUX boot code', () => {
    const head = Buffer.alloc(512)
    const fd = openSync(image.path, 'r')
    readSync(fd, head, 0, 512, 0)
    closeSync(fd)
    assert.equal(head.readUInt16LE(510), 0xaa55)
    assert.equal(head[446], 0x80, 'partition 1 is active')
    assert.equal(head[446 + 4], 0x0c, 'partition 1 is FAT32 (LBA)')
    assert.deepEqual(head.subarray(0, 440), readFileSync('/usr/lib/syslinux/mbr/mbr.bin').subarray(0, 440))
    const listing = execFileSync('mdir', ['-i', `${image.path}@@1M`, '-a', '-b', '::/'], {encoding: 'utf8'})
    for (const f of ['VMLINUZ', 'INITRD.IMG', 'SYSLINUX.CFG', 'LDLINUX.SYS']) assert.match(listing.toUpperCase(), new RegExp(f.replace('.', '\\.')))
  })

  test('a second build with the same inputs keeps the image; a fresh one has the same bytes', async () => {
    const again = await buildGuestImage({out: image.path, sizeMiB: 64})
    assert.equal(again.reused, true)
    assert.equal(again.sha256, image.sha256)
    const fresh = await buildGuestImage({out: join(tmp, 'fresh', 'guest.raw'), sizeMiB: 64})
    assert.equal(fresh.reused, false)
    assert.equal(fresh.sha256, image.sha256)
  })

  test('boots from disk, applies the config drive, and accepts the drive key over SSH', async () => {
    const iso = await buildConfigDriveIso({
      uuid: 'guest-it', name: hostname, hostname, publicKeys: [key.public], macs: [mac],
      ipv4: {address: '192.0.2.50/24', gateway: '192.0.2.1', dns: ['192.0.2.1']},
    })
    const drive = join(tmp, 'config.iso')
    writeFileSync(drive, iso)
    lab = createLabNet('gi')
    const tap = lab.addTap()
    vm = await startVm({name: uniqueVmName('guest'), disks: [image.path, drive], nics: [{mac, tap}], boot: 'disk', serialLog: join(tmp, 'serial.log'), netns: lab.ns})
    assert.match(readFileSync(`/proc/${vm.pid}/cmdline`, 'utf8'), /order=c/)
    const up = await vm.waitForSerial(/BMPCTL-GUEST-UP [^\r\n]*/, 180_000)
    assert.equal(up, `BMPCTL-GUEST-UP hostname=${hostname} ip=192.0.2.50`)
    const hostKey = (await vm.waitForSerial(/BMPCTL-GUEST-HOSTKEY [^\r\n]*/, 5000)).replace('BMPCTL-GUEST-HOSTKEY ', '')
    assert.match(hostKey, /^ssh-ed25519 /)

    const ssh = async (): Promise<{code: number | null; results: SshResult[]; stderr: string}> => {
      const child = nsSpawn(lab!.ns, ['node', '--import', 'tsx', join(repo, 'test/support/lab-ssh.ts'), '192.0.2.50', keyFile, hostKey, 'hostname', 'ip -4 -o addr show', 'ip route', 'cat /etc/resolv.conf'], {cwd: repo})
      const out = new JsonLines<SshResult>(child)
      return {code: await out.exited(), results: out.lines, stderr: out.stderr}
    }
    // dropbear is respawned by init right after the marker; give it a few tries.
    let r = await ssh()
    for (let i = 0; i < 10 && r.code !== 0; i++) { await new Promise((res) => setTimeout(res, 1000)); r = await ssh() }
    assert.equal(r.code, 0, r.stderr)
    const [host, addr, route, resolv] = r.results
    assert.equal(host.stdout.trim(), hostname)
    assert.match(addr.stdout, new RegExp(`\\binet 192\\.0\\.2\\.50/24\\b`))
    assert.match(route.stdout, /default via 192\.0\.2\.1/)
    assert.match(resolv.stdout, /nameserver 192\.0\.2\.1/)
  })

  test('a key not on the drive is refused', async () => {
    assert.ok(vm, 'needs the booted VM of the previous test')
    const other = utils.generateKeyPairSync('ed25519')
    const otherFile = join(tmp, 'other')
    writeFileSync(otherFile, other.private, {mode: 0o600})
    const hostKey = (await vm.waitForSerial(/BMPCTL-GUEST-HOSTKEY [^\r\n]*/, 5000)).replace('BMPCTL-GUEST-HOSTKEY ', '')
    const child = nsSpawn(lab!.ns, ['node', '--import', 'tsx', join(repo, 'test/support/lab-ssh.ts'), '192.0.2.50', otherFile, hostKey, 'hostname'], {cwd: repo})
    const out = new JsonLines<SshResult>(child)
    assert.equal(await out.exited(), 2)
    assert.match(out.stderr, /host key matched: true/)
    assert.equal(out.lines.length, 0)
  })
})
