import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {execFileSync} from 'node:child_process'
import {closeSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {after, before, describe, test} from 'node:test'
import ssh2 from 'ssh2'
import {buildConfigDriveIso} from '../../src/deploy/configdrive.js'
import {EFI_CORE, EFI_LOADER, buildGuestImage, type GuestImage} from '../../src/testenv/guest-image.js'
import {startVm, type VmHandle} from '../../src/testenv/qemu.js'
import {needsCommands, needsRoot, skipUnless, tempDir} from '../support/env.js'
import {createLabNet, uniqueVmName, type LabNet} from '../support/lab-net.js'
import {JsonLines} from '../support/lab-lines.js'
import {nsSpawn} from '../support/netns.js'
import {needsUefiOptIn} from '../support/uefi.js'

/**
 * Boots the guest test image from its own disk (SYSLINUX under BIOS, `-boot c`; SYSLINUX's
 * EFI loader at EFI/BOOT/BOOTX64.EFI under OVMF) with an OpenStack config drive as a second
 * disk, then logs in over SSH with the drive's key from inside the lab namespace and checks
 * hostname, address and firmware kind.
 */
const {utils} = ssh2
const repo = fileURLToPath(new URL('../..', import.meta.url))
const skip = skipUnless(needsRoot(), needsCommands('qemu-system-x86_64', 'syslinux', 'mcopy', 'mformat', 'mmd', 'sfdisk', 'genisoimage'))
const tmp = tempDir('bmpctl-guest-it-')

interface SshResult {cmd: string; code: number | null; stdout: string; stderr: string}

let built: Promise<GuestImage> | undefined
/** One image for every suite in this file. */
const guestImage = () => (built ??= buildGuestImage({out: join(tmp, 'guest.raw'), sizeMiB: 64}))

/** A booted guest: its VM, lab network, host key and identity from the config drive. */
interface BootedGuest {
  vm: VmHandle
  lab: LabNet
  hostKey: string
  hostname: string
  keyFile: string
  ip: string
}

/** Boots the image with a fresh config drive and waits for the guest's UP marker. */
async function bootGuest(firmware: 'bios' | 'uefi', ip: string, onStart: (vm: VmHandle, lab: LabNet) => void): Promise<BootedGuest> {
  const image = await guestImage()
  const dir = join(tmp, firmware)
  mkdirSync(dir, {recursive: true})
  const mac = `52:54:00:${randomBytes(3).toString('hex').match(/../g)!.join(':')}`
  const hostname = `guest-${randomBytes(3).toString('hex')}`
  const key = utils.generateKeyPairSync('ed25519', {comment: 'guest-test'})
  const keyFile = join(dir, 'id_ed25519')
  writeFileSync(keyFile, key.private, {mode: 0o600})
  const iso = await buildConfigDriveIso({
    uuid: `guest-it-${firmware}`, name: hostname, hostname, publicKeys: [key.public], macs: [mac],
    ipv4: {address: `${ip}/24`, gateway: '192.0.2.1', dns: ['192.0.2.1']},
  })
  const drive = join(dir, 'config.iso')
  writeFileSync(drive, iso)
  const lab = createLabNet(firmware === 'uefi' ? 'gu' : 'gi')
  const tap = lab.addTap()
  const vm = await startVm({name: uniqueVmName('guest'), disks: [image.path, drive], nics: [{mac, tap}], boot: 'disk',
    uefi: firmware === 'uefi', serialLog: join(dir, 'serial.log'), netns: lab.ns})
  onStart(vm, lab)
  assert.match(readFileSync(`/proc/${vm.pid}/cmdline`, 'utf8'), /order=c/)
  const up = await vm.waitForSerial(/BMPCTL-GUEST-UP [^\r\n]*/, firmware === 'uefi' ? 480_000 : 180_000)
  assert.equal(up, `BMPCTL-GUEST-UP hostname=${hostname} ip=${ip}`)
  const hostKey = (await vm.waitForSerial(/BMPCTL-GUEST-HOSTKEY [^\r\n]*/, 5000)).replace('BMPCTL-GUEST-HOSTKEY ', '')
  assert.match(hostKey, /^ssh-ed25519 /)
  return {vm, lab, hostKey, hostname, keyFile, ip}
}

/** Runs commands in the guest over SSH (lab-ssh.ts inside the namespace); exit code 2 = auth refused. */
async function guestSsh(g: BootedGuest, keyFile: string, cmds: string[]): Promise<{code: number | null; results: SshResult[]; stderr: string}> {
  const child = nsSpawn(g.lab.ns, ['node', '--import', 'tsx', join(repo, 'test/support/lab-ssh.ts'), g.ip, keyFile, g.hostKey, ...cmds], {cwd: repo})
  const out = new JsonLines<SshResult>(child)
  return {code: await out.exited(), results: out.lines, stderr: out.stderr}
}

const FIRMWARE_PROBE = 'if [ -d /sys/firmware/efi ]; then echo uefi; else echo bios; fi'

/** Logs in with the drive's key and checks what the drive configured and which firmware booted. */
async function checkLogin(g: BootedGuest, firmware: 'bios' | 'uefi'): Promise<void> {
  const cmds = ['hostname', 'ip -4 -o addr show', 'ip route', 'cat /etc/resolv.conf', FIRMWARE_PROBE]
  // dropbear is respawned by init right after the marker; give it a few tries.
  let r = await guestSsh(g, g.keyFile, cmds)
  for (let i = 0; i < 10 && r.code !== 0; i++) { await new Promise((res) => setTimeout(res, 1000)); r = await guestSsh(g, g.keyFile, cmds) }
  assert.equal(r.code, 0, r.stderr)
  const [host, addr, route, resolv, fw] = r.results
  assert.equal(host.stdout.trim(), g.hostname)
  assert.match(addr.stdout, new RegExp(`\\binet ${g.ip.replace(/\./g, '\\.')}/24\\b`))
  assert.match(route.stdout, /default via 192\.0\.2\.1/)
  assert.match(resolv.stdout, /nameserver 192\.0\.2\.1/)
  assert.equal(fw.stdout.trim(), firmware, 'the kernel reports the firmware it was booted by')
}

describe('guest test image', {skip, timeout: 300_000}, () => {
  let image: GuestImage
  let guest: BootedGuest | undefined
  let vm: VmHandle | undefined, lab: LabNet | undefined

  before(async () => { image = await guestImage() })

  after(async () => {
    await vm?.stop()
    lab?.destroy()
  })

  test('the image is an MBR disk with one active FAT partition, SYSLINUX boot code and the UEFI removable-media loader', () => {
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
    const efi = (name: string) => execFileSync('mtype', ['-i', `${image.path}@@1M`, `::/EFI/BOOT/${name}`], {encoding: 'latin1'})
    assert.equal(efi('BOOTX64.EFI'), readFileSync(EFI_LOADER, 'latin1'))
    assert.equal(efi('LDLINUX.E64'), readFileSync(EFI_CORE, 'latin1'))
    assert.equal(efi('SYSLINUX.CFG'), execFileSync('mtype', ['-i', `${image.path}@@1M`, '::/SYSLINUX.CFG'], {encoding: 'latin1'}))
  })

  test('a second build with the same inputs keeps the image; a fresh one has the same bytes', async () => {
    const again = await buildGuestImage({out: image.path, sizeMiB: 64})
    assert.equal(again.reused, true)
    assert.equal(again.sha256, image.sha256)
    const fresh = await buildGuestImage({out: join(tmp, 'fresh', 'guest.raw'), sizeMiB: 64})
    assert.equal(fresh.reused, false)
    assert.equal(fresh.sha256, image.sha256)
  })

  test('boots from disk under BIOS, applies the config drive, and accepts the drive key over SSH', async () => {
    guest = await bootGuest('bios', '192.0.2.50', (v, l) => { vm = v; lab = l })
    await checkLogin(guest, 'bios')
  })

  test('a key not on the drive is refused', async () => {
    assert.ok(guest, 'needs the booted VM of the previous test')
    const other = utils.generateKeyPairSync('ed25519')
    const otherFile = join(tmp, 'other')
    writeFileSync(otherFile, other.private, {mode: 0o600})
    const r = await guestSsh(guest, otherFile, ['hostname'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /host key matched: true/)
    assert.equal(r.results.length, 0)
  })
})

describe('guest test image under UEFI (OVMF)', {skip: skipUnless(needsUefiOptIn(), skip), timeout: 600_000}, () => {
  let vm: VmHandle | undefined, lab: LabNet | undefined

  after(async () => {
    await vm?.stop()
    lab?.destroy()
  })

  test('boots from disk through EFI/BOOT/BOOTX64.EFI, applies the config drive, and accepts the drive key over SSH', async () => {
    const guest = await bootGuest('uefi', '192.0.2.51', (v, l) => { vm = v; lab = l })
    assert.match(readFileSync(`/proc/${guest.vm.pid}/cmdline`, 'utf8'), /OVMF/)
    await checkLogin(guest, 'uefi')
  })
})
