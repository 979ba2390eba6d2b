import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {after, before, describe, test} from 'node:test'
import nunjucks from 'nunjucks'
import ssh2 from 'ssh2'
import {buildLiveOs} from '../../src/liveos/build.js'
import {parseLiveOsFacts} from '../../src/liveos/facts.js'
import {startVm, type VmHandle} from '../../src/testenv/qemu.js'
import {needsCommands, needsRoot, skipUnless, tempDir} from '../support/env.js'
import {createLabNet, uniqueVmName, type LabNet} from '../support/lab-net.js'
import {JsonLines} from '../support/lab-lines.js'
import {nsSpawn, stop, waitForOutput} from '../support/netns.js'
import type {ChildProcess} from 'node:child_process'

/**
 * The network path: qemu's iPXE ROM gets an HTTP boot-script URL from DHCP (dnsmasq),
 * runs our rendered liveos.ipxe.j2, loads the LiveOS over HTTP and the LiveOS calls back.
 * This proves the template against real iPXE and startVm's network boot.
 */
const {utils} = ssh2
const repo = fileURLToPath(new URL('../..', import.meta.url))
const skip = skipUnless(needsRoot(), needsCommands('qemu-system-x86_64', 'dnsmasq', 'zstd'))

interface Request {method: string; url: string; headers: Record<string, string>; body: string; status: number}

describe('LiveOS over iPXE (BIOS network boot)', {skip, timeout: 600_000}, () => {
  const tmp = tempDir('bmpctl-liveos-pxe-')
  const www = join(tmp, 'www')
  const mac = `52:54:00:${randomBytes(3).toString('hex').match(/../g)!.join(':')}`
  const token = randomBytes(32).toString('base64url')
  let lab: LabNet | undefined
  let vm: VmHandle | undefined
  const children: ChildProcess[] = []
  let http: JsonLines<Request>

  before(async () => {
    await buildLiveOs({outDir: join(www, 'liveos'), cacheDir: join(tmp, 'cache')})
    lab = createLabNet('px')
    const base = `http://${lab.gateway}:8080`
    const template = readFileSync(join(repo, 'pxe-templates/liveos.ipxe.j2'), 'utf8')
    const env = new nunjucks.Environment(null, {autoescape: false, throwOnUndefined: true})
    writeFileSync(join(www, 'boot.ipxe'), env.renderString(template, {
      http_base: base, callback_url: `${base}/v1/callback/pxe1`, token, node: 'pxe1',
      ssh_key_b64: Buffer.from(utils.generateKeyPairSync('ed25519').public).toString('base64'),
    }))
    const dns = nsSpawn(lab.ns, ['dnsmasq', '-d', '--port=0', '--conf-file=/dev/null', '--user=root', '--interface=br0', '--bind-interfaces',
      '--dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,1h', `--dhcp-boot=${base}/boot.ipxe`,
      `--dhcp-leasefile=${join(tmp, 'leases')}`, `--pid-file=${join(tmp, 'dnsmasq.pid')}`])
    children.push(dns)
    await waitForOutput(dns, /started|DHCP, IP range/, 10_000)
    const srv = nsSpawn(lab.ns, ['node', '--import', 'tsx', join(repo, 'test/support/lab-callback.ts'), lab.gateway, '8080', '0', www], {cwd: repo})
    children.push(srv)
    http = new JsonLines<Request>(srv)
    await waitForOutput(srv, /LISTENING/, 20_000)
    vm = await startVm({name: uniqueVmName('pxe'), netns: lab.ns, boot: 'network', nics: [{mac, tap: lab.addTap()}], serialLog: join(tmp, 'serial.log')})
  })

  after(async () => {
    await vm?.stop()
    for (const c of children) await stop(c)
    lab?.destroy()
  })

  test('iPXE runs the rendered script, boots the LiveOS, and it calls back with the token', async () => {
    const cb = await http.waitFor((r) => r.method === 'POST' && r.status === 200, 180_000, 'the LiveOS callback')
    const gets = http.lines.filter((r) => r.method === 'GET').map((r) => `${r.url} ${r.status}`)
    assert.deepEqual(gets.slice(0, 3), ['/boot.ipxe 200', '/liveos/vmlinuz 200', '/liveos/initrd.img 200'])
    assert.equal(cb.url, '/v1/callback/pxe1')
    assert.equal(cb.headers.authorization, `Bearer ${token}`)
    const facts = parseLiveOsFacts(cb.body)
    assert.deepEqual(facts.macs, [mac])
    assert.match(facts.ip ?? '', /^192\.0\.2\.(1[0-4]\d|150)$/)
    await vm!.waitForSerial(/BMPCTL-CALLBACK-OK/, 30_000)
    // The kernel line the template built, as the booted kernel saw it.
    const cmdline = readFileSync(vm!.serialLog, 'latin1').match(/Command line: (.*)\r?\n/)?.[1] ?? ''
    assert.match(cmdline, new RegExp(`^initrd=initrd\\.img bmpctl\\.callback=http://192\\.0\\.2\\.1:8080/v1/callback/pxe1 bmpctl\\.token=${token} bmpctl\\.sshkey=[A-Za-z0-9+/=]+ console=ttyS0,115200`))
  })

  test('stop() ends the VM through QMP and its PID is gone', async () => {
    const pid = vm!.pid
    await vm!.stop()
    assert.throws(() => process.kill(pid, 0), {code: 'ESRCH'})
  })
})
