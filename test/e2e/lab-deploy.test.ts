/**
 * The whole job, as the README's demo runs it, against real qemu VMs behind virtual
 * IPMI BMCs in a lab namespace: testenv up → install → serve → enroll (BMC checks) →
 * deploy 2 nodes in parallel → log into each guest → undeploy one → testenv down.
 * Needs root and qemu; about 5 minutes under TCG.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {needsCommands, needsRoot, skipUnless, tempDir} from '../support/env.js'

const BIN = join(process.cwd(), 'bin', 'run.js')
const LAB = `e2e${process.pid % 10000}`
const NS = `bmp-${LAB}`

function bmpctl(args: string[], opts: {inLab?: boolean; dataDir: string; timeoutMs?: number}): {code: number; stdout: string; stderr: string} {
  const argv = [...(opts.inLab ? ['ip', 'netns', 'exec', NS] : []), process.execPath, BIN, ...args, '--data-dir', opts.dataDir]
  try {
    const stdout = execFileSync(argv[0], argv.slice(1), {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 600_000})
    return {code: 0, stdout, stderr: ''}
  } catch (err) {
    const e = err as {status?: number; stdout?: string; stderr?: string}
    return {code: e.status ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? ''}
  }
}

function ok(r: {code: number; stdout: string; stderr: string}, what: string): string {
  assert.equal(r.code, 0, `${what} exited ${r.code}\nstdout: ${r.stdout.slice(-3000)}\nstderr: ${r.stderr.slice(-3000)}`)
  return r.stdout
}

function guestSsh(key: string, ip: string, command: string): string {
  return execFileSync('ip', ['netns', 'exec', NS, 'ssh', '-i', key, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=20', `root@${ip}`, command], {encoding: 'utf8', timeout: 60_000})
}

describe('end to end in a virtual lab: deploy 2 BIOS VMs, log in, undeploy one', {
  skip: skipUnless(needsRoot(), needsCommands('qemu-system-x86_64', 'ip', 'ssh', 'ipmitool')),
  timeout: 20 * 60_000,
}, () => {
  const dataDir = tempDir('bmpctl-e2e-')
  let serve: ChildProcess | undefined
  let labNodes: {name: string; ipv4: string}[] = []

  before(() => {
    ok(bmpctl(['testenv', 'up', '--nodes', '2', '--name', LAB], {dataDir}), 'testenv up')
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
  })

  after(async () => {
    if (serve && serve.exitCode === null) {
      const exited = new Promise((r) => serve!.once('exit', r))
      serve.kill('SIGTERM')
      await exited
    }
    bmpctl(['testenv', 'down', '--name', LAB], {dataDir})
  })

  test('enroll checks both BMCs through the virtual lab and makes the nodes available', () => {
    const out = ok(bmpctl(['enroll', join(dataDir, 'testenv', `${LAB}-inventory.yaml`), '--json'], {inLab: true, dataDir}), 'enroll')
    const rows = JSON.parse(out) as {node: string; result: string; bmc: {ok?: boolean; answeredBy?: string}; state: string}[]
    assert.deepEqual(rows.map((r) => [r.node, r.result, r.bmc.ok, r.bmc.answeredBy, r.state]),
      [['lab-0', 'added', true, 'ipmi', 'available'], ['lab-1', 'added', true, 'ipmi', 'available']])
  })

  test('deploy both nodes in parallel; both end active', () => {
    const r = bmpctl(['deploy', '--forks', '2', '--timeout', '8m', '--json'], {inLab: true, dataDir, timeoutMs: 15 * 60_000})
    ok(r, 'deploy')
    for (const line of r.stdout.trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), `--json stdout holds only JSON lines: ${line}`)
    const list = JSON.parse(ok(bmpctl(['nodes', 'list', '--json'], {inLab: true, dataDir}), 'nodes list')) as {name: string; state: string}[]
    assert.deepEqual(list.map((n) => [n.name, n.state]), [['lab-0', 'active'], ['lab-1', 'active']])
    const status = JSON.parse(ok(bmpctl(['testenv', 'status', '--name', LAB, '--json'], {dataDir}), 'testenv status')) as {nodes: {name: string; ipv4: string}[]}
    labNodes = status.nodes
  })

  test('each guest has the hostname, static address and key from its config drive', () => {
    const key = join(dataDir, 'testenv', `${LAB}-id_ed25519`)
    const pub = readFileSync(`${key}.pub`, 'utf8').trim()
    assert.equal(labNodes.length, 2)
    for (const n of labNodes) {
      const ip = n.ipv4.split('/')[0]
      const out = guestSsh(key, ip, 'hostname; ip -4 -o addr show scope global; cat /root/.ssh/authorized_keys')
      const [hostname, ...rest] = out.trim().split('\n')
      assert.equal(hostname, n.name)
      assert.match(rest.join('\n'), new RegExp(`inet ${n.ipv4.replace(/\./g, '\\.')} `))
      assert.ok(rest.includes(pub), `authorized_keys holds the lab key: ${out}`)
    }
  })

  test('undeploy one node: it is wiped, powered off and available again', () => {
    ok(bmpctl(['undeploy', 'lab-1', '--timeout', '8m'], {inLab: true, dataDir, timeoutMs: 12 * 60_000}), 'undeploy')
    const show = JSON.parse(ok(bmpctl(['nodes', 'show', 'lab-1', '--json'], {inLab: true, dataDir}), 'nodes show')) as {state: string}
    assert.equal(show.state, 'available')
    const power = JSON.parse(ok(bmpctl(['power', 'status', 'lab-1', '--json'], {inLab: true, dataDir}), 'power status')) as {node: string; state?: string}[]
    assert.deepEqual(power.map((p) => [p.node, p.state]), [['lab-1', 'off']])
    const lab0 = JSON.parse(ok(bmpctl(['nodes', 'show', 'lab-0', '--json'], {inLab: true, dataDir}), 'nodes show')) as {state: string}
    assert.equal(lab0.state, 'active', 'the other node is untouched')
  })

  test('testenv down leaves no namespace, tap, qemu or BMC daemon behind (and twice is fine)', async () => {
    const rec = JSON.parse(readFileSync(join(dataDir, 'testenv', `${LAB}.json`), 'utf8')) as {daemon: {pid: number}; nodes: {vmName: string}[]}
    if (serve && serve.exitCode === null) {
      const exited = new Promise((r) => serve!.once('exit', r))
      serve.kill('SIGTERM')
      assert.equal(await exited, 0, 'serve exits 0 on SIGTERM')
    }
    ok(bmpctl(['testenv', 'down', '--name', LAB], {dataDir}), 'testenv down')
    ok(bmpctl(['testenv', 'down', '--name', LAB], {dataDir}), 'testenv down again')
    assert.ok(!execFileSync('ip', ['netns', 'list'], {encoding: 'utf8'}).split('\n').some((l) => l.split(' ')[0] === NS), 'namespace gone')
    assert.ok(!existsSync(`/proc/${rec.daemon.pid}`) || !readFileSync(`/proc/${rec.daemon.pid}/cmdline`, 'utf8').includes('lab-daemon'), 'lab daemon gone')
    for (const vm of rec.nodes) {
      // pgrep exits 1 when nothing matches; anything else is a broken check, not a pass.
      let pids = ''
      try {
        pids = execFileSync('pgrep', ['-f', '--', `-name ${vm.vmName}`], {encoding: 'utf8'})
      } catch (err) {
        assert.equal((err as {status?: number}).status, 1, `pgrep failed: ${(err as Error).message}`)
      }
      assert.equal(pids.trim(), '', `no qemu left for ${vm.vmName}`)
    }
  })
})
