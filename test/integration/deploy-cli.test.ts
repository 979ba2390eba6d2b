/**
 * `bmpctl deploy` end to end as a process: fake BMCs and a deploy-shaped test playbook
 * (--playbook), plain and --json output, exit codes, a concurrent run refused with the
 * holder named, Ctrl-C, and kill -9 followed by a rerun that recovers the node.
 */
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import Database from 'better-sqlite3'
import {openStore} from '../../src/state/store.js'
import {thisHost} from '../../src/state/reservations.js'
import {tempDir} from '../support/env.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = join(ROOT, 'test/integration/deploy-cli-bin.ts')
const FIX = join(ROOT, 'test/fixtures/deploy-cli')
const PLAYBOOK = join(FIX, 'fake-deploy.yaml')
const INVENTORY = join(FIX, 'inventory.yaml')

const children = new Set<ChildProcess>()
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
})

function dataDir(): string {
  const dir = tempDir('bmpctl-deploy-cli-')
  mkdirSync(join(dir, 'ssh'))
  writeFileSync(join(dir, 'config.yaml'), 'address: 192.0.2.1/24\n')
  writeFileSync(join(dir, 'ssh', 'id_ed25519'), 'not a real key\n')
  writeFileSync(join(dir, 'ssh', 'id_ed25519.pub'), 'ssh-ed25519 AAAA test\n')
  return dir
}

interface Run {child: ChildProcess; done: Promise<{code: number | null; signal: string | null; stdout: string; stderr: string}>}

function start(dir: string, args: string[]): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, 'deploy', '--data-dir', dir, '--playbook', PLAYBOOK, ...args],
    {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe']})
  children.add(child)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  const done = new Promise<{code: number | null; signal: string | null; stdout: string; stderr: string}>((resolve) =>
    child.on('close', (code, signal) => resolve({code, signal, stdout, stderr})))
  return {child, done}
}

const deploy = (dir: string, args: string[]) => start(dir, args).done

function nodeState(dir: string, name: string): {state?: string; lastError?: string; holder?: number} {
  const store = openStore(dir)
  try {
    const n = store.getNode(name)
    return {state: n?.state, lastError: n?.lastError, holder: store.reservation(name)?.pid}
  } finally {
    store.close()
  }
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (ok()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  assert.fail(`timed out waiting for ${what}`)
}

describe('bmpctl deploy (process)', () => {
  test('two nodes off a TTY: one line per event, the final table, exit 1 when one fails', async () => {
    const dir = dataDir()
    const r = await deploy(dir, ['-i', INVENTORY, '-e', 'fail_nodes=n2'])
    assert.equal(r.code, 1, r.stderr)
    assert.match(r.stdout, /^\[n1\] changed Start deploying: available → deploying$/m)
    assert.match(r.stdout, /^\[n2\] rescued Check image: checksum mismatch on n2$/m)
    assert.match(r.stdout, /^NODE\s+RESULT\s+STATE\s+DURATION\s+REASON$/m)
    assert.match(r.stdout, /^n1\s+active\s+active\s+\d+m\d\ds$/m)
    assert.match(r.stdout, /^n2\s+failed\s+deploy-failed\s+\d+m\d\ds\s+Check image: checksum mismatch on n2$/m)
    assert.doesNotMatch(r.stdout, /\x1b\[/, 'no terminal control codes off a TTY')
    assert.equal(nodeState(dir, 'n1').state, 'active')
    assert.deepEqual(nodeState(dir, 'n2'), {state: 'deploy-failed', lastError: 'checksum mismatch on n2', holder: undefined})

    const retry = await deploy(dir, ['n2', '--json'])
    assert.equal(retry.code, 0, retry.stderr)
    const lines = retry.stdout.trimEnd().split('\n')
    const parsed = lines.map((l) => JSON.parse(l) as {type: string; ok?: boolean; outcomes?: {node: string; result: string}[]})
    assert.ok(parsed.some((e) => e.type === 'host_result'))
    assert.deepEqual(parsed.at(-1), {...parsed.at(-1), type: 'summary', ok: true})
    assert.deepEqual(parsed.at(-1)!.outcomes!.map((o) => [o.node, o.result]), [['n2', 'ok']])
    assert.equal(nodeState(dir, 'n2').state, 'active')
  })

  test('deploying an active node is refused with exit 2 before anything runs', async () => {
    const dir = dataDir()
    assert.equal((await deploy(dir, ['-i', INVENTORY, 'n1'])).code, 0)
    const r = await deploy(dir, ['n1', 'n2'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /node n1 is in state "active"; deploy needs "available" or "deploy-failed"/)
    assert.equal(r.stdout, '')
    assert.equal(nodeState(dir, 'n2').state, 'available')
  })

  test('a second concurrent deploy of the same node is refused naming the holder; Ctrl-C cancels the first', async () => {
    const dir = dataDir()
    const first = start(dir, ['-i', INVENTORY, 'n1', '-e', 'pause_seconds=120'])
    await until('n1 waiting for its call-back', () => nodeState(dir, 'n1').state === 'wait-callback')
    const second = await deploy(dir, ['n1'])
    assert.equal(second.code, 1)
    assert.match(second.stdout, new RegExp(`^n1\\s+failed\\s+wait-callback\\s+.*reserved by pid ${first.child.pid} on ${thisHost}`, 'm'))
    assert.equal(nodeState(dir, 'n1').holder, first.child.pid)

    first.child.kill('SIGINT')
    const r = await first.done
    assert.equal(r.code, 1)
    assert.match(r.stdout, /^n1\s+failed\s+deploy-failed\s+.*cancelled$/m)
    assert.deepEqual(nodeState(dir, 'n1'), {state: 'deploy-failed', lastError: 'cancelled', holder: undefined})
  })

  test('kill -9 mid-deploy, then rerun: the node goes deploy-failed "interrupted…" and deploys again; the DB is intact', async () => {
    const dir = dataDir()
    const first = start(dir, ['-i', INVENTORY, 'n2', '-e', 'pause_seconds=120'])
    await until('n2 waiting for its call-back', () => nodeState(dir, 'n2').state === 'wait-callback')
    const pid = first.child.pid!
    first.child.kill('SIGKILL')
    assert.equal((await first.done).signal, 'SIGKILL')
    assert.deepEqual(nodeState(dir, 'n2'), {state: 'wait-callback', lastError: undefined, holder: pid}, 'left behind by the dead run')

    const r = await deploy(dir, ['n2'])
    assert.equal(r.code, 0, r.stderr)
    const reason = `interrupted: deploy process ${pid} on ${thisHost} died`
    assert.ok(r.stderr.includes(`n2: wait-callback → deploy-failed (${reason})`), r.stderr)
    assert.equal(nodeState(dir, 'n2').state, 'active')
    const store = openStore(dir)
    const changes = store.events('n2', {kinds: ['state.change']}).map((e) => e.message)
    store.close()
    assert.ok(changes.includes(`wait-callback → deploy-failed: ${reason}`))
    assert.equal(changes.at(-1), 'deploying → active')
    const db = new Database(join(dir, 'state.db'), {readonly: true})
    assert.equal(db.pragma('integrity_check', {simple: true}), 'ok')
    db.close()
  })
})
