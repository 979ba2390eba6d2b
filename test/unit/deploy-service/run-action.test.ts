import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {InputError} from '../../../src/errors.js'
import {runAction, actionVars, type ActionRequest} from '../../../src/services/deploy.js'
import {openStore} from '../../../src/state/store.js'
import {tempDir} from '../../support/env.js'
import {addNode, fakeSpec, foreignReservation, TO_AVAILABLE} from './fixtures.js'

const FIXTURES = fileURLToPath(new URL('../../fixtures/deploy-cli/', import.meta.url))

/** A data dir with config and a (dummy) deploy key, and nodes a, b (group web), c in the given states. */
function dataDir(states: Record<string, string[]> = {a: TO_AVAILABLE, b: TO_AVAILABLE, c: TO_AVAILABLE}): string {
  const dir = tempDir('bmpctl-run-action-')
  mkdirSync(join(dir, 'ssh'))
  writeFileSync(join(dir, 'config.yaml'), 'address: 192.0.2.1/24\n')
  writeFileSync(join(dir, 'ssh', 'id_ed25519'), 'not a real key\n')
  writeFileSync(join(dir, 'ssh', 'id_ed25519.pub'), 'ssh-ed25519 AAAA test\n')
  const store = openStore(dir)
  Object.entries(states).forEach(([name, path], i) => addNode(store, fakeSpec(name, i + 1, name === 'b' ? ['web'] : []), path as never))
  store.close()
  return dir
}

function request(dir: string, over: Partial<ActionRequest> = {}): ActionRequest & {out: string[]; notes: string[]} {
  const out: string[] = []
  const notes: string[] = []
  return {action: 'deploy', dataDir: dir, patterns: [], output: 'plain', playbook: join(FIXTURES, 'fake-deploy.yaml'),
    write: (s) => out.push(s), note: (l) => notes.push(l), out, notes, ...over}
}

const states = (dir: string) => {
  const store = openStore(dir)
  try {
    return Object.fromEntries(store.listNodes().map((n) => [n.name, n.state]))
  } finally {
    store.close()
  }
}

describe('runAction', () => {
  test('deploys the nodes matching the patterns; failures are reported with their cause', async () => {
    const dir = dataDir()
    const req = request(dir, {patterns: ['a', 'web'], extraVars: ['fail_nodes=b']})
    const report = await runAction(req)
    assert.equal(report.ok, false)
    assert.deepEqual(report.outcomes.map((o) => [o.node, o.result, o.state]), [['a', 'ok', 'active'], ['b', 'failed', 'deploy-failed']])
    assert.match(report.outcomes[1].reason ?? '', /Check image: checksum mismatch on b/)
    assert.deepEqual(states(dir), {a: 'active', b: 'deploy-failed', c: 'available'})
    const text = req.out.join('')
    assert.match(text, /^\[a\] changed Start deploying: available → deploying$/m)
    assert.match(text, /^\[b\] FAILED Report failure: checksum mismatch on b$/m)
    assert.doesNotMatch(text, /\[c\]/)
    const store = openStore(dir)
    assert.equal(store.reservation('a'), undefined, 'reservations are released')
    store.close()
  })

  test('refuses before anything runs when a node is in the wrong state (exit 2), releasing what it reserved', async () => {
    const dir = dataDir({a: TO_AVAILABLE, b: [...TO_AVAILABLE, 'deploying', 'active']})
    await assert.rejects(runAction(request(dir)), (err: unknown) => err instanceof InputError && /node b is in state "active"/.test(err.message))
    assert.deepEqual(states(dir), {a: 'available', b: 'active'})
    const store = openStore(dir)
    assert.equal(store.reservation('a'), undefined)
    store.close()
  })

  test('an unknown node pattern is bad input naming the pattern', async () => {
    const dir = dataDir()
    await assert.rejects(runAction(request(dir, {patterns: ['zz']})), (err: unknown) => err instanceof InputError && /"zz"/.test(err.message))
  })

  test('a node reserved by another live process is reported failed with the holder; the others go on', async () => {
    const dir = dataDir({a: TO_AVAILABLE, b: TO_AVAILABLE})
    foreignReservation(dir, 'a', process.ppid)
    const report = await runAction(request(dir))
    assert.deepEqual(report.outcomes.map((o) => [o.node, o.result]), [['b', 'ok'], ['a', 'failed']])
    assert.match(report.outcomes[1].reason ?? '', new RegExp(`reserved by pid ${process.ppid}`))
    assert.deepEqual(states(dir), {a: 'available', b: 'active'})
  })

  test('cancelling mid-run leaves no node busy: deploy-failed "cancelled", reservations released', async () => {
    const dir = dataDir({a: TO_AVAILABLE})
    const ac = new AbortController()
    const req = request(dir, {extraVars: ['pause_seconds=30'], signal: ac.signal})
    const running = runAction(req)
    // Abort once the node is waiting for its (pretend) call-back.
    for (let i = 0; i < 200 && states(dir).a !== 'wait-callback'; i++) await new Promise((r) => setTimeout(r, 25))
    assert.equal(states(dir).a, 'wait-callback')
    ac.abort()
    const report = await running
    assert.equal(report.cancelled, true)
    assert.deepEqual(report.outcomes.map((o) => [o.node, o.result, o.reason]), [['a', 'failed', 'cancelled']])
    const store = openStore(dir)
    assert.equal(store.requireNode('a').state, 'deploy-failed')
    assert.equal(store.requireNode('a').lastError, 'cancelled')
    assert.equal(store.reservation('a'), undefined)
    store.close()
  })

  test('rebuild asks for confirmation with the checked node names before anything runs', async () => {
    const dir = dataDir({a: [...TO_AVAILABLE, 'deploying', 'active'], b: TO_AVAILABLE})
    const asked: string[][] = []
    const refuse = async (nodes: string[]) => { asked.push(nodes); throw new Error('not confirmed') }
    await assert.rejects(runAction(request(dir, {action: 'rebuild', confirm: refuse})), /not confirmed/)
    assert.deepEqual(asked, [['a', 'b']])
    assert.deepEqual(states(dir), {a: 'active', b: 'available'})
    const report = await runAction(request(dir, {action: 'rebuild', patterns: ['a'], confirm: async () => {}}))
    assert.equal(report.ok, true)
    assert.equal(states(dir).a, 'active')
  })

  test('json output is one run event per line', async () => {
    const dir = dataDir({a: TO_AVAILABLE})
    const req = request(dir, {output: 'json'})
    await runAction(req)
    const lines = req.out.join('').trimEnd().split('\n')
    const types = lines.map((l) => JSON.parse(l).type)
    assert.equal(types[0], 'play_start')
    assert.equal(types.at(-1), 'recap')
  })

  test('the deploy key must exist (environment error naming it)', async () => {
    const dir = tempDir('bmpctl-run-action-')
    writeFileSync(join(dir, 'config.yaml'), 'address: 192.0.2.1/24\n')
    await assert.rejects(runAction(request(dir)), /no deploy SSH key at .*id_ed25519/)
  })
})

describe('actionVars', () => {
  test('flags become the playbook variables; -e wins', () => {
    assert.deepEqual(actionVars({image: 'http://192.0.2.1/i.raw', checksum: 'sha256:ab', timeout: '5m'}),
      {image_url: 'http://192.0.2.1/i.raw', image_checksum: 'sha256:ab', callback_timeout: 300})
    assert.equal(actionVars({timeout: '5m', extraVars: ['callback_timeout=7']}).callback_timeout, '7')
  })

  test('bad --timeout and --image are input errors naming the flag', () => {
    assert.throws(() => actionVars({timeout: 'soon'}), /--timeout "soon"/)
    assert.throws(() => actionVars({image: 'debian.raw'}), /--image "debian.raw"/)
  })
})
