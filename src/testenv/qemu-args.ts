import {existsSync} from 'node:fs'
import {EnvironmentError, InputError, type Problem} from '../errors.js'
import {normalizeMac} from '../util/net.js'

/** qemu command line for lab VMs (pure: options in, argv out). */

export interface VmNic {
  mac: string
  /** Existing tap device (in the VM's namespace) to attach to. */
  tap?: string
  /** qemu user-mode networking, restricted: the guest cannot reach anything outside. */
  netdev?: 'user'
}

export interface VmOptions {
  name: string
  memoryMiB?: number
  /** Disk image paths (raw, or qcow2 by extension), attached as virtio disks in order. */
  disks?: string[]
  nics: VmNic[]
  boot: 'network' | 'disk'
  uefi?: boolean
  /** Direct kernel boot (tests): skips firmware and PXE. */
  kernel?: string
  initrd?: string
  append?: string
  /** File receiving the serial console (ttyS0). */
  serialLog: string
  /** Run qemu inside this network namespace (`ip netns exec`). */
  netns?: string
}

export const FIRMWARE = {
  ovmf: '/usr/share/ovmf/OVMF.fd',
  biosRom: '/usr/lib/ipxe/qemu/pxe-virtio.rom',
  efiRom: '/usr/lib/ipxe/qemu/efi-virtio.rom',
}

function validate(o: VmOptions): Problem[] {
  const problems: Problem[] = []
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(o.name)) problems.push({path: 'name', message: `bad VM name ${JSON.stringify(o.name)} (letters, digits, . _ -)`})
  if (o.memoryMiB !== undefined && (!Number.isInteger(o.memoryMiB) || o.memoryMiB < 64)) problems.push({path: 'memoryMiB', message: `must be an integer ≥ 64, got ${o.memoryMiB}`})
  if (!['network', 'disk'].includes(o.boot)) problems.push({path: 'boot', message: `must be network or disk, got ${JSON.stringify(o.boot)}`})
  o.nics.forEach((n, i) => {
    if (!normalizeMac(n.mac)) problems.push({path: `nics[${i}].mac`, message: `not a MAC address: ${JSON.stringify(n.mac)}`})
    if (!n.tap === !n.netdev) problems.push({path: `nics[${i}]`, message: 'give exactly one of tap or netdev'})
  })
  if (o.append !== undefined && /["\n\r]/.test(o.append)) problems.push({path: 'append', message: 'kernel command line must not contain double quotes or newlines'})
  if ((o.initrd || o.append) && !o.kernel) problems.push({path: 'kernel', message: 'initrd/append need kernel (direct boot)'})
  for (const [i, d] of (o.disks ?? []).entries()) if (!existsSync(d)) problems.push({path: `disks[${i}]`, message: `disk image not found: ${d}`})
  return problems
}

function firmwareNeeded(o: VmOptions): string[] {
  const files: string[] = []
  if (o.uefi) files.push(FIRMWARE.ovmf)
  if (o.boot === 'network' && !o.kernel && o.nics.length) files.push(o.uefi ? FIRMWARE.efiRom : FIRMWARE.biosRom)
  return files
}

export interface QemuCommand {
  /** argv without the binary */
  args: string[]
  /** `-readconfig` file text: carries the kernel command line, which may hold a token,
   * so it never shows in the process list. Empty when there is nothing to carry. */
  config: string
}

/** Command line for qemu-system-x86_64. Throws InputError / EnvironmentError. */
export function qemuCommand(o: VmOptions, qmpSocket: string, configFile: string): QemuCommand {
  const problems = validate(o)
  if (problems.length) throw new InputError(`invalid VM options for ${o.name}`, problems)
  for (const f of firmwareNeeded(o)) {
    if (!existsSync(f)) throw new EnvironmentError(`firmware file missing: ${f}`, f.includes('ovmf') ? 'install ovmf' : 'install ipxe-qemu')
  }
  const args = [
    '-name', o.name, '-accel', 'tcg', '-machine', 'pc', '-m', String(o.memoryMiB ?? 512), '-smp', '1',
    '-display', 'none', '-no-user-config', '-nodefaults',
    '-serial', `file:${o.serialLog}`,
    '-qmp', `unix:${qmpSocket},server=on,wait=off`,
  ]
  if (o.uefi) args.push('-bios', FIRMWARE.ovmf)
  ;(o.disks ?? []).forEach((d, i) => {
    const format = /\.qcow2$/i.test(d) ? 'qcow2' : 'raw'
    args.push('-drive', `file=${d.replace(/,/g, ',,')},if=virtio,format=${format},index=${i}`)
  })
  // A PXE ROM only when the firmware will network-boot; direct-kernel boots skip it.
  const rom = o.boot === 'network' && !o.kernel ? (o.uefi ? FIRMWARE.efiRom : FIRMWARE.biosRom) : ''
  o.nics.forEach((n, i) => {
    const netdev = n.tap ? `tap,id=n${i},ifname=${n.tap},script=no,downscript=no` : `user,id=n${i},restrict=on`
    // Modern-only virtio (1af4:1041): Debian's iPXE virtio ROM declares that ID, and SeaBIOS
    // skips a ROM whose ID differs from the device (the transitional default is 1af4:1000).
    // OVMF ignores -boot order and tries disks first: a bootindex puts the NICs ahead of an installed disk.
    const first = o.uefi && rom ? `bootindex=${i},` : ''
    args.push('-netdev', netdev, '-device', `virtio-net-pci,disable-legacy=on,netdev=n${i},mac=${normalizeMac(n.mac)},${first}romfile=${rom}`)
  })
  args.push('-boot', o.boot === 'network' ? 'order=n' : 'order=c')
  if (o.kernel) args.push('-kernel', o.kernel)
  if (o.initrd) args.push('-initrd', o.initrd)
  let config = ''
  if (o.append) {
    config = `[machine]\n  append = "${o.append}"\n`
    args.push('-readconfig', configFile)
  }
  return {args, config}
}
