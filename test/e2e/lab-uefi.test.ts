/**
 * The deploy path under UEFI: a lab VM on OVMF with qemu's iPXE EFI ROM (efi-virtio.rom)
 * behind a virtual IPMI BMC. testenv up --uefi → install → serve → enroll → deploy (iPXE
 * fetches /boot/<mac>.ipxe, the LiveOS kernel boots through its EFI stub, the image is
 * written, the guest boots its disk through EFI/BOOT/BOOTX64.EFI) → SSH into the guest →
 * undeploy (the network boot must win over the installed disk) → testenv down. Opt-in (BMPCTL_E2E_UEFI=1): OVMF under TCG takes minutes per boot.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {needsCommands, needsRoot, skipUnless, tempDir} from '../support/env.js'
import {LabCli} from '../support/lab-cli.js'
import {needsUefiOptIn} from '../support/uefi.js'

describe('end to end in a virtual lab under UEFI: deploy an OVMF VM through iPXE, log in', {
  skip: skipUnless(needsUefiOptIn(), needsRoot(), needsCommands('qemu-system-x86_64', 'ip', 'ssh', 'ipmitool', 'curl')),
  timeout: 60 * 60_000,
}, () => {
  const lab = new LabCli(`efi${process.pid % 10000}`, tempDir('bmpctl-e2e-uefi-'))
  let node: {name: string; ipv4: string; consoleLog: string} | undefined

  before(() => lab.start(['--nodes', '1', '--uefi']), {timeout: 10 * 60_000})
  after(() => lab.cleanup())

  test('the lab node runs on OVMF', () => {
    const status = lab.json<{nodes: {name: string; ipv4: string; consoleLog: string}[]}>(['testenv', 'status', '--name', lab.lab])
    assert.equal(status.nodes.length, 1)
    node = status.nodes[0]
    assert.equal(lab.record().uefi, true)
  })

  test('enroll checks the BMC and makes the node available', () => {
    const rows = lab.json<{node: string; result: string; bmc: {ok?: boolean}; state: string}[]>(['enroll', lab.inventory], {inLab: true})
    assert.deepEqual(rows.map((r) => [r.node, r.result, r.bmc.ok, r.state]), [['lab-0', 'added', true, 'available']])
  })

  test('deploy through iPXE under UEFI ends active', {timeout: 45 * 60_000}, () => {
    lab.ok(['deploy', '--timeout', '30m', '--json'], {inLab: true, timeoutMs: 40 * 60_000})
    const list = lab.json<{name: string; state: string}[]>(['nodes', 'list'], {inLab: true})
    assert.deepEqual(list.map((n) => [n.name, n.state]), [['lab-0', 'active']])
    // The console shows the UEFI path: OVMF's boot manager, then the installed disk's EFI loader booting the guest.
    const consoleLog = readFileSync(node!.consoleLog, 'latin1')
    assert.match(consoleLog, /BdsDxe: (loading|starting) Boot\d+/, 'OVMF booted the VM')
    assert.match(consoleLog, /BMPCTL-GUEST-UP hostname=lab-0 /)
  })

  test('the guest has the hostname, static address and key from its config drive, and was booted by UEFI', () => {
    assert.ok(node, 'needs the lab status of the first test')
    const pub = readFileSync(`${lab.operatorKey}.pub`, 'utf8').trim()
    const ip = node.ipv4.split('/')[0]
    const out = lab.guestSsh(ip, 'hostname; [ -d /sys/firmware/efi ] && echo firmware=uefi || echo firmware=bios; ip -4 -o addr show scope global; cat /root/.ssh/authorized_keys')
    const [hostname, firmware, ...rest] = out.trim().split('\n')
    assert.equal(hostname, node.name)
    assert.equal(firmware, 'firmware=uefi')
    assert.match(rest.join('\n'), new RegExp(`inet ${node.ipv4.replace(/\./g, '\\.')} `))
    assert.ok(rest.includes(pub), `authorized_keys holds the lab key: ${out}`)
  })

  test('undeploy: the network boot wins over the installed disk, the node is wiped, off and available', {timeout: 45 * 60_000}, () => {
    const before = readFileSync(node!.consoleLog, 'latin1').length
    lab.ok(['undeploy', 'lab-0', '--timeout', '30m'], {inLab: true, timeoutMs: 40 * 60_000})
    assert.equal(lab.json<{state: string}>(['nodes', 'show', 'lab-0'], {inLab: true}).state, 'available')
    const power = lab.json<{node: string; state?: string}[]>(['power', 'status', 'lab-0'], {inLab: true})
    assert.deepEqual(power.map((p) => [p.node, p.state]), [['lab-0', 'off']])
    assert.match(readFileSync(node!.consoleLog, 'latin1').slice(before), /EFI stub: /, 'the LiveOS kernel booted from iPXE again')
  })

  test('testenv down leaves no namespace, qemu or BMC daemon behind', () => lab.downAndCheck())
})
