/**
 * The deploy path under UEFI: a lab VM on OVMF with qemu's iPXE EFI ROM (efi-virtio.rom)
 * behind a virtual IPMI BMC. testenv up --uefi → install → serve → enroll → deploy (iPXE
 * fetches /boot/<mac>.ipxe, the LiveOS kernel boots through its EFI stub, the image is
 * written, the guest boots its disk through EFI/BOOT/BOOTX64.EFI) → SSH into the guest →
 * undeploy (the network boot must win over the installed disk) → testenv down. Opt-in (BMPCTL_E2E_UEFI=1): OVMF under TCG takes minutes per boot.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {needsCommands, needsRoot, skipUnless, tempDir} from '../support/env.js'
import {needsUefiOptIn} from '../support/uefi.js'

const BIN = join(process.cwd(), 'bin', 'run.js')
const LAB = `efi${process.pid % 10000}`
const NS = `bmp-${LAB}`

interface Run {code: number; stdout: string; stderr: string}

function bmpctl(args: string[], opts: {inLab?: boolean; dataDir: string; timeoutMs?: number}): Run {
  const argv = [...(opts.inLab ? ['ip', 'netns', 'exec', NS] : []), process.execPath, BIN, ...args, '--data-dir', opts.dataDir]
  try {
    const stdout = execFileSync(argv[0], argv.slice(1), {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 600_000})
    return {code: 0, stdout, stderr: ''}
  } catch (err) {
    const e = err as {status?: number; stdout?: string; stderr?: string}
    return {code: e.status ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? ''}
  }
}

function ok(r: Run, what: string): string {
  assert.equal(r.code, 0, `${what} exited ${r.code}\nstdout: ${r.stdout.slice(-3000)}\nstderr: ${r.stderr.slice(-3000)}`)
  return r.stdout
}

function guestSsh(key: string, ip: string, command: string): string {
  return execFileSync('ip', ['netns', 'exec', NS, 'ssh', '-i', key, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=20', `root@${ip}`, command], {encoding: 'utf8', timeout: 60_000})
}

/** PIDs of qemu processes started with `-name <vmName>` (pgrep exits 1 when there are none). */
function qemuPids(vmName: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', '--', `-name ${vmName}`], {encoding: 'utf8'}).trim().split('\n')
  } catch (err) {
    if ((err as {status?: number}).status === 1) return []
    throw err
  }
}

describe('end to end in a virtual lab under UEFI: deploy an OVMF VM through iPXE, log in', {
  skip: skipUnless(needsUefiOptIn(), needsRoot(), needsCommands('qemu-system-x86_64', 'ip', 'ssh', 'ipmitool', 'curl')),
  timeout: 60 * 60_000,
}, () => {
  const dataDir = tempDir('bmpctl-e2e-uefi-')
  let serve: ChildProcess | undefined
  let node: {name: string; ipv4: string; consoleLog: string} | undefined

  before(() => {
    ok(bmpctl(['testenv', 'up', '--nodes', '1', '--uefi', '--name', LAB], {dataDir}), 'testenv up')
    ok(bmpctl(['install', '--interface', 'br0', '--address', '192.0.2.1/24', '--no-systemd', '--yes'], {inLab: true, dataDir}), 'install')
    serve = spawn('ip', ['netns', 'exec', NS, process.execPath, BIN, 'serve', '--data-dir', dataDir], {stdio: ['ignore', 'ignore', 'pipe']})
    let log = ''
    serve.stderr!.on('data', (d) => { log = (log + d).slice(-20_000) })
    process.on('exit', () => serve?.kill('SIGKILL'))
    for (let i = 0; i < 100; i++) {
      try { execFileSync('ip', ['netns', 'exec', NS, 'curl', '-sf', 'http://192.0.2.1:8080/healthz'], {stdio: 'ignore'}); return } catch { /* not yet */ }
      execFileSync('sleep', ['0.2'])
    }
    throw new Error(`serve did not come up: ${log}`)
  }, {timeout: 10 * 60_000})

  after(async () => {
    if (serve && serve.exitCode === null) {
      const exited = new Promise((r) => serve!.once('exit', r))
      serve.kill('SIGTERM')
      await exited
    }
    bmpctl(['testenv', 'down', '--name', LAB], {dataDir})
  })

  test('the lab node runs on OVMF', () => {
    const status = JSON.parse(ok(bmpctl(['testenv', 'status', '--name', LAB, '--json'], {dataDir}), 'testenv status')) as {nodes: {name: string; ipv4: string; consoleLog: string}[]}
    assert.equal(status.nodes.length, 1)
    node = status.nodes[0]
    const rec = JSON.parse(readFileSync(join(dataDir, 'testenv', `${LAB}.json`), 'utf8')) as {uefi: boolean}
    assert.equal(rec.uefi, true)
  })

  test('enroll checks the BMC and makes the node available', () => {
    const out = ok(bmpctl(['enroll', join(dataDir, 'testenv', `${LAB}-inventory.yaml`), '--json'], {inLab: true, dataDir}), 'enroll')
    const rows = JSON.parse(out) as {node: string; result: string; bmc: {ok?: boolean}; state: string}[]
    assert.deepEqual(rows.map((r) => [r.node, r.result, r.bmc.ok, r.state]), [['lab-0', 'added', true, 'available']])
  })

  test('deploy through iPXE under UEFI ends active', {timeout: 45 * 60_000}, () => {
    ok(bmpctl(['deploy', '--timeout', '30m', '--json'], {inLab: true, dataDir, timeoutMs: 40 * 60_000}), 'deploy')
    const list = JSON.parse(ok(bmpctl(['nodes', 'list', '--json'], {inLab: true, dataDir}), 'nodes list')) as {name: string; state: string}[]
    assert.deepEqual(list.map((n) => [n.name, n.state]), [['lab-0', 'active']])
    // The console shows the UEFI path: OVMF's boot manager, then the installed disk's EFI loader booting the guest.
    const consoleLog = readFileSync(node!.consoleLog, 'latin1')
    assert.match(consoleLog, /BdsDxe: (loading|starting) Boot\d+/, 'OVMF booted the VM')
    assert.match(consoleLog, /BMPCTL-GUEST-UP hostname=lab-0 /)
  })

  test('the guest has the hostname, static address and key from its config drive, and was booted by UEFI', () => {
    assert.ok(node, 'needs the lab status of the first test')
    const key = join(dataDir, 'testenv', `${LAB}-id_ed25519`)
    const pub = readFileSync(`${key}.pub`, 'utf8').trim()
    const ip = node.ipv4.split('/')[0]
    const out = guestSsh(key, ip, 'hostname; [ -d /sys/firmware/efi ] && echo firmware=uefi || echo firmware=bios; ip -4 -o addr show scope global; cat /root/.ssh/authorized_keys')
    const [hostname, firmware, ...rest] = out.trim().split('\n')
    assert.equal(hostname, node.name)
    assert.equal(firmware, 'firmware=uefi')
    assert.match(rest.join('\n'), new RegExp(`inet ${node.ipv4.replace(/\./g, '\\.')} `))
    assert.ok(rest.includes(pub), `authorized_keys holds the lab key: ${out}`)
  })

  test('undeploy: the network boot wins over the installed disk, the node is wiped, off and available', {timeout: 45 * 60_000}, () => {
    const before = readFileSync(node!.consoleLog, 'latin1').length
    ok(bmpctl(['undeploy', 'lab-0', '--timeout', '30m'], {inLab: true, dataDir, timeoutMs: 40 * 60_000}), 'undeploy')
    const show = JSON.parse(ok(bmpctl(['nodes', 'show', 'lab-0', '--json'], {inLab: true, dataDir}), 'nodes show')) as {state: string}
    assert.equal(show.state, 'available')
    const power = JSON.parse(ok(bmpctl(['power', 'status', 'lab-0', '--json'], {inLab: true, dataDir}), 'power status')) as {node: string; state?: string}[]
    assert.deepEqual(power.map((p) => [p.node, p.state]), [['lab-0', 'off']])
    assert.match(readFileSync(node!.consoleLog, 'latin1').slice(before), /EFI stub: /, 'the LiveOS kernel booted from iPXE again')
  })

  test('testenv down leaves no namespace, qemu or BMC daemon behind', async () => {
    const rec = JSON.parse(readFileSync(join(dataDir, 'testenv', `${LAB}.json`), 'utf8')) as {daemon: {pid: number}; nodes: {vmName: string}[]}
    if (serve && serve.exitCode === null) {
      const exited = new Promise((r) => serve!.once('exit', r))
      serve.kill('SIGTERM')
      assert.equal(await exited, 0, 'serve exits 0 on SIGTERM')
    }
    ok(bmpctl(['testenv', 'down', '--name', LAB], {dataDir}), 'testenv down')
    assert.ok(!execFileSync('ip', ['netns', 'list'], {encoding: 'utf8'}).split('\n').some((l) => l.split(' ')[0] === NS), 'namespace gone')
    assert.ok(!existsSync(`/proc/${rec.daemon.pid}`) || !readFileSync(`/proc/${rec.daemon.pid}/cmdline`, 'utf8').includes('lab-daemon'), 'lab daemon gone')
    assert.ok(!existsSync(join(dataDir, 'testenv', `${LAB}.json`)), 'lab record removed')
    for (const vm of rec.nodes) assert.deepEqual(qemuPids(vm.vmName), [], `no qemu left for ${vm.vmName}`)
  })
})
