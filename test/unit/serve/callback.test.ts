import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {createNodeIndex, createStoreHttpBackend, hostKeyFingerprint} from '../../../src/servers/backends/index.js'
import {createBootRenderer} from '../../../src/services/serve-pxe.js'
import {ProvisionState as S} from '../../../src/state/types.js'
import {capturingLogger, facts, freshStore, HTTP_BASE, spec, sshKeyPair, SUBNET} from './fixtures.js'

const MAC = '52:54:00:cb:00:01'
const CLIENT = '192.0.2.50'

function setup(path: S[] = [S.Manageable, S.Available, S.Deploying, S.WaitCallback], purpose = 'deploy') {
  const {store, dir} = freshStore()
  store.upsertNode(spec('cb1', MAC, '192.0.2.50/24'))
  for (const s of path) store.transition('cb1', s)
  const token = store.issueToken('cb1', purpose, 600)
  const {log, lines} = capturingLogger()
  const index = createNodeIndex(store, SUBNET)
  const http = createStoreHttpBackend({store, index, log, render: createBootRenderer({httpBase: HTTP_BASE, sshPublicKey: () => undefined})})
  const key = sshKeyPair(dir)
  const call = (tok: string | undefined, body: unknown = facts(MAC, key.publicLine)) => http.callback!({token: tok, body, remoteAddress: CLIENT})
  return {store, token, lines, key, call}
}

describe('LiveOS call-back', () => {
  test('a valid token moves wait-callback → deploying and stores facts and a callback event', async () => {
    const s = setup()
    const res = await s.call(s.token)
    assert.deepEqual(res, {status: 200, body: {ok: true}})
    const node = s.store.getNode('cb1')!
    assert.equal(node.state, S.Deploying)
    assert.deepEqual((node.facts.liveos as {macs: string[]}).macs, [MAC])
    assert.ok(Date.parse(String(node.facts.liveos_callback_at)) > 0)
    const cb = s.store.events('cb1', {kinds: ['callback']})
    assert.equal(cb.length, 1)
    assert.deepEqual(cb[0].data, {ip: CLIENT, hostKey: s.key.fingerprint, purpose: 'deploy', client: CLIENT})
    s.store.close()
  })

  test('the token works once: a replay is 401 and a callback.refused event on the node', async () => {
    const s = setup()
    assert.equal((await s.call(s.token)).status, 200)
    const replay = await s.call(s.token)
    assert.equal(replay.status, 401)
    const refused = s.store.events('cb1', {kinds: ['callback.refused']})
    assert.equal(refused.length, 1)
    assert.match(refused[0].message, /unknown, expired or already used token/)
    assert.equal((await s.call(undefined)).status, 401)
    assert.equal((await s.call('A'.repeat(43))).status, 401)
    s.store.close()
  })

  test('a node in the wrong state is refused (409) and keeps its state', async () => {
    const s = setup([S.Manageable, S.Available])
    const res = await s.call(s.token)
    assert.equal(res.status, 409)
    assert.match(String((res.body as {error: string}).error), /cb1 is available, not wait-callback/)
    assert.equal(s.store.getNode('cb1')!.state, S.Available)
    assert.equal(s.store.getNode('cb1')!.facts.liveos, undefined)
    assert.equal(s.store.events('cb1', {kinds: ['callback.refused']}).length, 1)
    s.store.close()
  })

  test('bad facts are 400 naming the fields; nothing stored', async () => {
    const s = setup()
    const bad = {...facts(MAC, s.key.publicLine), macs: 'nope', bootMode: 'bios-ish'} as unknown
    const res = await s.call(s.token, bad)
    assert.equal(res.status, 400)
    const msg = String((res.body as {error: string}).error)
    assert.match(msg, /macs: missing or wrong type/)
    assert.match(msg, /bootMode: missing or wrong type/)
    assert.equal(s.store.getNode('cb1')!.state, S.WaitCallback)
    assert.equal(s.store.getNode('cb1')!.facts.liveos, undefined)
    s.store.close()
  })

  test('inspect purpose: facts stored while inspecting, state left to the inspect playbook', async () => {
    const s = setup([S.Manageable, S.Inspecting], 'inspect')
    assert.equal((await s.call(s.token)).status, 200)
    assert.equal(s.store.getNode('cb1')!.state, S.Inspecting)
    assert.ok(s.store.getNode('cb1')!.facts.liveos)
    s.store.close()
  })

  test('the token never reaches logs or events', async () => {
    const s = setup()
    await s.call(s.token)
    await s.call(s.token)
    assert.ok(s.lines.length >= 2)
    assert.ok(!s.lines.join('\n').includes(s.token))
    assert.ok(!JSON.stringify(s.store.events('cb1')).includes(s.token))
    s.store.close()
  })

  test('host key fingerprints match ssh-keygen -l', () => {
    const {store, dir} = freshStore()
    const k = sshKeyPair(dir)
    assert.equal(hostKeyFingerprint(k.publicLine), k.fingerprint)
    assert.equal(hostKeyFingerprint(undefined), undefined)
    store.close()
  })
})
