import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {openSync, readSync, closeSync, readFileSync, writeFileSync, truncateSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {after, before, describe, test} from 'node:test'
import ssh2 from 'ssh2'
import {buildLiveOs, type LiveOsBuild} from '../../src/liveos/build.js'
import {parseLiveOsFacts, type LiveOsFacts} from '../../src/liveos/facts.js'
import {startVm, type VmHandle} from '../../src/testenv/qemu.js'
import {needsCommands, needsRoot, skipUnless, tempDir} from '../support/env.js'
import {createLabNet, uniqueVmName, type LabNet} from '../support/lab-net.js'
import {JsonLines} from '../support/lab-lines.js'
import {nsSpawn, stop, waitForOutput} from '../support/netns.js'
import type {ChildProcess} from 'node:child_process'

/**
 * Boots the real LiveOS (Debian kernel + our initramfs) in qemu inside a lab namespace:
 * DHCP from dnsmasq, callback to a listener on the bridge, then SSH in with the key
 * from the kernel command line and write to the VM's disk.
 */
const {utils} = ssh2
const repo = fileURLToPath(new URL('../..', import.meta.url))
const skip = skipUnless(needsRoot(), needsCommands('qemu-system-x86_64', 'dnsmasq', 'zstd'))

interface CallbackRequest {method: string; url: string; headers: Record<string, string>; body: string; status: number}
interface SshResult {cmd: string; code: number | null; stdout: string; stderr: string}

const DISK_BYTES = 64 * 1024 * 1024
const VM_IP = '192.0.2.123'
const MARK = 'bmpctl-liveos-disk-check'

describe('LiveOS boot, callback and SSH', {skip, timeout: 600_000}, () => {
  const tmp = tempDir('bmpctl-liveos-it-')
  const mac = `52:54:00:${randomBytes(3).toString('hex').match(/../g)!.join(':')}`
  const token = randomBytes(32).toString('base64url')
  const operatorKey = utils.generateKeyPairSync('ed25519', {comment: 'bmpctl-test'})
  const keyFile = join(tmp, 'id_ed25519')
  const disk = join(tmp, 'disk.raw')
  let lab: LabNet | undefined
  let vm: VmHandle | undefined
  let build: LiveOsBuild
  const children: ChildProcess[] = []
  let callbacks: JsonLines<CallbackRequest>
  let facts: LiveOsFacts

  const ssh = async (key: string, ...cmds: string[]): Promise<{code: number | null; results: SshResult[]; stderr: string}> => {
    const child = nsSpawn(lab!.ns, ['node', '--import', 'tsx', join(repo, 'test/support/lab-ssh.ts'), facts.ip!, key, facts.hostKeys[0], ...cmds], {cwd: repo})
    const out = new JsonLines<SshResult>(child)
    const code = await out.exited()
    return {code, results: out.lines, stderr: out.stderr}
  }

  before(async () => {
    build = await buildLiveOs({outDir: join(tmp, 'liveos')})
    writeFileSync(keyFile, operatorKey.private, {mode: 0o600})
    writeFileSync(disk, '')
    truncateSync(disk, DISK_BYTES)
    lab = createLabNet('lo')
    const dns = nsSpawn(lab.ns, ['dnsmasq', '-d', '--port=0', '--conf-file=/dev/null', '--user=root', '--interface=br0', '--bind-interfaces',
      '--dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,1h', `--dhcp-host=${mac},${VM_IP}`,
      `--dhcp-leasefile=${join(tmp, 'leases')}`, `--pid-file=${join(tmp, 'dnsmasq.pid')}`])
    children.push(dns)
    await waitForOutput(dns, /started|DHCP, IP range/, 10_000)
    // The first callback gets a 503, so the agent's retry path runs too.
    const cb = nsSpawn(lab.ns, ['node', '--import', 'tsx', join(repo, 'test/support/lab-callback.ts'), lab.gateway, '8080', '1'], {cwd: repo})
    children.push(cb)
    callbacks = new JsonLines<CallbackRequest>(cb)
    await waitForOutput(cb, /LISTENING/, 20_000)
    const sshkey = Buffer.from(operatorKey.public).toString('base64')
    vm = await startVm({
      name: uniqueVmName('live'), memoryMiB: 512, netns: lab.ns, boot: 'network',
      nics: [{mac, tap: lab.addTap()}], disks: [disk],
      kernel: build.kernel, initrd: build.initrd, serialLog: join(tmp, 'serial.log'),
      append: `console=ttyS0,115200 bmpctl.callback=http://${lab.gateway}:8080/v1/callback/node1 bmpctl.token=${token} bmpctl.sshkey=${sshkey}`,
    })
  })

  after(async () => {
    await vm?.stop()
    for (const c of children) await stop(c)
    lab?.destroy()
  })

  test('the LiveOS gets a lease and calls back with token, facts and host key (after one retry)', async () => {
    const ok = await callbacks.waitFor((r) => r.status === 200, 240_000, 'a successful callback')
    assert.equal(callbacks.lines[0].status, 503, 'first callback was answered 503')
    assert.equal(ok.method, 'POST')
    assert.equal(ok.url, '/v1/callback/node1')
    assert.equal(ok.headers.authorization, `Bearer ${token}`)
    assert.equal(ok.headers['content-type'], 'application/json')
    facts = parseLiveOsFacts(ok.body)
    assert.deepEqual(facts.macs, [mac])
    assert.equal(facts.ip, VM_IP)
    assert.equal(facts.nics[0].mac, mac)
    assert.equal(facts.nics[0].ip, VM_IP)
    const vda = facts.disks.find((d) => d.name === 'vda')
    assert.ok(vda, `vda in ${JSON.stringify(facts.disks)}`)
    assert.equal(vda.sizeBytes, DISK_BYTES)
    assert.equal(facts.hostKeys.length, 1)
    assert.match(facts.hostKeys[0], /^ssh-ed25519 [A-Za-z0-9+/=]+$/)
    assert.equal(facts.kernel, build.kernelVersion)
    assert.equal(facts.bootMode, 'bios')
    assert.equal(facts.cpu.count, 1)
    assert.ok(facts.memoryMiB! > 256 && facts.memoryMiB! <= 512, `memoryMiB ${facts.memoryMiB}`)
    await vm!.waitForSerial(/BMPCTL-CALLBACK-OK/, 30_000)
    const serial = readFileSync(vm!.serialLog, 'latin1')
    assert.match(serial, /BMPCTL-LIVEOS-UP ip=192\.0\.2\.123/)
    assert.match(serial, /BMPCTL-CALLBACK-RETRY/)
  })

  test('SSH with the operator key (host key pinned): cmdline, tools, disk write', async () => {
    assert.ok(facts, 'callback facts from the previous test')
    const {code, results, stderr} = await ssh(keyFile,
      'cat /proc/cmdline',
      `printf ${MARK} | dd of=/dev/vda bs=512 seek=8 conv=fsync 2>/dev/null && dd if=/dev/vda bs=512 skip=8 count=1 2>/dev/null | head -c ${MARK.length}`,
      'zstd --version >/dev/null && sfdisk --version >/dev/null && wipefs --version >/dev/null && dropbear -V 2>&1 | head -n1',
      `grep -rl '${token}' /run /etc /root /tmp /lib/liveos; echo scanned`,
    )
    assert.equal(code, 0, stderr)
    const [cmdline, diskRw, tools, scan] = results
    assert.match(cmdline.stdout, /bmpctl\.callback=http:\/\/192\.0\.2\.1:8080\/v1\/callback\/node1/)
    assert.equal(diskRw.stdout, MARK)
    assert.equal(tools.code, 0, tools.stderr)
    assert.match(tools.stdout, /Dropbear/)
    assert.equal(scan.stdout, 'scanned\n', 'no file in the LiveOS holds the token')
  })

  test('SSH with another key is refused', async () => {
    const other = utils.generateKeyPairSync('ed25519')
    const otherFile = join(tmp, 'other_key')
    writeFileSync(otherFile, other.private, {mode: 0o600})
    const {code, stderr} = await ssh(otherFile, 'true')
    assert.equal(code, 2)
    assert.match(stderr, /host key matched: true/)
    assert.match(stderr, /authentication methods failed/i)
  })

  test('the bytes written over SSH are on the disk image after the VM stops', async () => {
    await vm!.stop()
    const fd = openSync(disk, 'r')
    const buf = Buffer.alloc(MARK.length)
    readSync(fd, buf, 0, buf.length, 8 * 512)
    closeSync(fd)
    assert.equal(buf.toString(), MARK)
  })
})
