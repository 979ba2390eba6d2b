import assert from 'node:assert/strict'
import {execFileSync, spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {createReadStream, existsSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {after, describe, test} from 'node:test'
import {parseInventory} from '../../src/inventory/load.js'
import type {LabDownResult, LabStatus} from '../../src/services/testenv.js'
import {needsCommands, needsRoot, skipUnless, tempDir} from '../support/env.js'
import {uniqueName} from '../support/netns.js'

/**
 * `bmpctl testenv up/status/down` end to end through the CLI: a 2-node lab with IPMI vBMCs,
 * one VM powered on with ipmitool inside the namespace, then down (twice) must leave no
 * namespace, daemon, qemu or lab file behind.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url))
const skip = skipUnless(needsRoot(), needsCommands('qemu-system-x86_64', 'ipmitool', 'syslinux', 'mcopy', 'setpriv'))

interface Run {code: number | null; stdout: string; stderr: string}

function bmpctl(args: string[], prefix: string[] = []): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(prefix[0] ?? process.execPath, [...prefix.slice(1), ...(prefix.length ? [process.execPath] : []), '--import', 'tsx', join(repo, 'test/integration/deploy-cli-bin.ts'), ...args], {cwd: repo, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = '', stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.on('close', (code) => resolve({code, stdout, stderr}))
  })
}

const alive = (pid: number | undefined) => { try { return !!pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').length > 0 } catch { return false } }
const namespaces = () => execFileSync('ip', ['netns', 'list'], {encoding: 'utf8'}).split('\n').map((l) => l.split(' ')[0])
const pgrep = (pattern: string) => { try { return execFileSync('pgrep', ['-f', pattern], {encoding: 'utf8'}).trim() } catch { return '' } }

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256')
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer)
  return h.digest('hex')
}

describe('bmpctl testenv', {skip, timeout: 300_000}, () => {
  const dataDir = tempDir('bmpctl-testenv-it-')
  const name = uniqueName('t')
  const common = ['--data-dir', dataDir, '--name', name]
  let status: LabStatus
  let qemuPid: number | undefined

  after(async () => {
    // Leave nothing behind even when a test failed half-way.
    if (existsSync(join(dataDir, 'testenv', `${name}.json`))) await bmpctl(['testenv/down', ...common])
  })

  test('up refuses without root (exit 3)', async () => {
    const r = await bmpctl(['testenv/up', ...common], ['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups'])
    assert.equal(r.code, 3, r.stderr)
    assert.match(r.stderr, /needs root/)
    assert.ok(!namespaces().includes(`bmp-${name}`))
  })

  test('up --nodes 2 starts the lab and writes a loadable inventory', async () => {
    const r = await bmpctl(['testenv/up', '--nodes', '2', '--json', ...common])
    assert.equal(r.code, 0, r.stderr + r.stdout)
    status = JSON.parse(r.stdout) as LabStatus
    assert.equal(status.up, true)
    assert.equal(status.namespace, `bmp-${name}`)
    assert.ok(namespaces().includes(status.namespace))
    assert.ok(alive(status.daemonPid))
    assert.deepEqual(status.nodes.map((n) => [n.name, n.power, n.bmc, n.ipv4]), [
      ['lab-0', 'off', 'ipmi://127.0.0.1:6230', '192.0.2.20/24'],
      ['lab-1', 'off', 'ipmi://127.0.0.1:6231', '192.0.2.21/24'],
    ])
    assert.equal(statSync(status.passwordFile).mode & 0o777, 0o600)
    assert.equal(await sha256File(status.image.path), status.image.sha256)
    const inv = parseInventory(readFileSync(status.inventory, 'utf8'), status.inventory)
    const node = inv.nodes.get('lab-1')!
    assert.deepEqual(node.bmc.password, {file: status.passwordFile})
    assert.equal(node.bmc.port, 6231)
    assert.equal(node.nics[0].mac, status.nodes[1].mac)
    assert.equal(node.image?.checksum, `sha256:${status.image.sha256}`)
    assert.equal(node.network.ipv4?.address, '192.0.2.21/24')
    // The bridge is the manager's provisioning address inside the lab.
    assert.match(execFileSync('ip', ['-n', status.namespace, '-4', 'addr', 'show', 'br0'], {encoding: 'utf8'}), /inet 192\.0\.2\.1\/24/)
  })

  test('a second up of the same lab is refused', async () => {
    const r = await bmpctl(['testenv/up', ...common])
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, /already up/)
  })

  test('ipmitool inside the namespace powers a node on; status --json shows it', async () => {
    const password = readFileSync(status.passwordFile, 'utf8').trim()
    const ipmi = (...args: string[]) => execFileSync('ip', ['netns', 'exec', status.namespace, 'ipmitool', '-I', 'lanplus', '-H', '127.0.0.1', '-p', '6230', '-U', 'admin', '-E', ...args],
      {encoding: 'utf8', env: {...process.env, IPMITOOL_PASSWORD: password}, stdio: ['ignore', 'pipe', 'pipe']})
    ipmi('chassis', 'bootdev', 'disk')
    ipmi('power', 'on')
    const r = await bmpctl(['testenv/status', '--json', ...common])
    assert.equal(r.code, 0, r.stderr)
    const s = JSON.parse(r.stdout) as LabStatus
    assert.equal(s.nodes[0].power, 'on')
    assert.equal(s.nodes[1].power, 'off')
    qemuPid = s.nodes[0].pid
    assert.ok(alive(qemuPid))
    assert.ok(readFileSync(`/proc/${qemuPid}/cmdline`, 'utf8').split('\0').includes(`bmp-${name}-lab-0`))
    assert.ok(!JSON.stringify(s).includes(password), 'status never shows the BMC password')
  })

  test('down removes namespace, daemon, VMs and files; a second down is a no-op', async () => {
    const first = await bmpctl(['testenv/down', '--json', ...common])
    assert.equal(first.code, 0, first.stderr)
    const r1 = JSON.parse(first.stdout) as LabDownResult
    assert.deepEqual(r1.stopped, {daemon: true, vms: 0, namespace: true})
    assert.ok(!namespaces().includes(`bmp-${name}`))
    assert.ok(!alive(status.daemonPid))
    assert.ok(!alive(qemuPid))
    assert.equal(pgrep(`bmp-${name}-lab-`), '')
    assert.equal(pgrep(join(dataDir, 'testenv', `${name}.json`)), '')
    for (const f of [`${name}.json`, `${name}-inventory.yaml`, `${name}-bmc-password`, `${name}.runtime.json`, name]) {
      assert.ok(!existsSync(join(dataDir, 'testenv', f)), `${f} removed`)
    }
    const second = await bmpctl(['testenv/down', '--json', ...common])
    assert.equal(second.code, 0, second.stderr)
    const r2 = JSON.parse(second.stdout) as LabDownResult
    assert.deepEqual(r2, {name, stopped: {daemon: false, vms: 0, namespace: false}, removedFiles: []})
  })

  test('down after the daemon was killed hard still ends its VM (by recorded PID and -name)', async () => {
    const up = await bmpctl(['testenv/up', '--nodes', '1', '--json', ...common])
    assert.equal(up.code, 0, up.stderr)
    const s = JSON.parse(up.stdout) as LabStatus
    const password = readFileSync(s.passwordFile, 'utf8').trim()
    execFileSync('ip', ['netns', 'exec', s.namespace, 'ipmitool', '-I', 'lanplus', '-H', '127.0.0.1', '-p', '6230', '-U', 'admin', '-E', 'power', 'on'],
      {env: {...process.env, IPMITOOL_PASSWORD: password}, stdio: 'ignore'})
    const on = JSON.parse((await bmpctl(['testenv/status', '--json', ...common])).stdout) as LabStatus
    const vm = on.nodes[0].pid
    assert.ok(alive(vm))
    process.kill(s.daemonPid!, 'SIGKILL')
    const deadline = Date.now() + 10_000
    while (alive(s.daemonPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    const st = JSON.parse((await bmpctl(['testenv/status', '--json', ...common])).stdout) as LabStatus
    assert.equal(st.up, false)
    assert.ok(alive(vm), 'the VM outlived its daemon')
    const down = await bmpctl(['testenv/down', '--json', ...common])
    assert.equal(down.code, 0, down.stderr)
    assert.deepEqual((JSON.parse(down.stdout) as LabDownResult).stopped, {daemon: false, vms: 1, namespace: true})
    assert.ok(!alive(vm))
    assert.equal(pgrep(`bmp-${name}-lab-`), '')
  })
})
