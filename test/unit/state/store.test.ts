import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import Database from 'better-sqlite3'
import {EnvironmentError, InputError} from '../../../src/errors.js'
import {MIGRATIONS, migrate, schemaVersion} from '../../../src/state/migrations.js'
import {IllegalTransitionError, NodeBusyError, openStore} from '../../../src/state/store.js'
import {ProvisionState as S} from '../../../src/state/types.js'
import {tempDir} from '../../support/env.js'
import {freshStore, nodeSpec} from './fixtures.js'

describe('openStore and migrations', () => {
  test('creates dir 0700 and state.db 0600 at the newest schema version, in WAL mode', () => {
    const dir = join(tempDir(), 'nested', 'data')
    const store = openStore(dir)
    store.close()
    assert.equal(statSync(dir).mode & 0o777, 0o700)
    assert.equal(statSync(join(dir, 'state.db')).mode & 0o777, 0o600)
    const db = new Database(join(dir, 'state.db'), {readonly: true})
    assert.equal(schemaVersion(db), MIGRATIONS.length)
    assert.equal(db.pragma('journal_mode', {simple: true}), 'wal')
    db.close()
  })

  test('re-opening keeps data and does not re-run migrations', () => {
    const {store, dir} = freshStore()
    store.upsertNode(nodeSpec('n1'))
    store.close()
    const again = openStore(dir)
    assert.equal(again.getNode('n1')?.state, S.Enroll)
    again.close()
  })

  test('applies only the missing steps, each bumping user_version, in order', () => {
    const db = new Database(':memory:')
    const steps = [
      {description: 'a', sql: 'CREATE TABLE a (x)'},
      {description: 'b', sql: 'CREATE TABLE b (y)'},
    ]
    assert.equal(migrate(db, 'mem', steps.slice(0, 1)), 1)
    assert.equal(schemaVersion(db), 1)
    assert.equal(migrate(db, 'mem', steps), 2)
    assert.equal(schemaVersion(db), 2)
    assert.deepEqual(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all(), [{name: 'a'}, {name: 'b'}])
    db.close()
  })

  test('a failing step rolls back and leaves the version unchanged', () => {
    const db = new Database(':memory:')
    assert.throws(() => migrate(db, 'mem', [{description: 'ok', sql: 'CREATE TABLE a (x)'}, {description: 'bad', sql: 'CREATE TABLE a (x)'}]))
    assert.equal(schemaVersion(db), 0)
    const row = db.prepare("SELECT count(*) AS c FROM sqlite_master WHERE name = 'a'").get() as {c: number}
    assert.equal(row.c, 0)
    db.close()
  })

  test('a newer schema than we know is an EnvironmentError naming the file', () => {
    const db = new Database(':memory:')
    db.pragma('user_version = 99')
    assert.throws(() => migrate(db, '/x/state.db'), (e: unknown) => e instanceof EnvironmentError && /\/x\/state\.db.*99/.test(e.message))
    db.close()
  })

  test('an unusable data dir is an EnvironmentError naming the path', () => {
    const file = join(tempDir(), 'plain-file')
    writeFileSync(file, 'x')
    const dir = join(file, 'data')
    assert.throws(() => openStore(dir), (e: unknown) => e instanceof EnvironmentError && e.exitCode === 3 && e.message.includes(dir))
  })
})

describe('nodes', () => {
  test('upsert: added in enroll, unchanged, changed with field names (bmc.* nested), pos ignored', () => {
    const {store} = freshStore()
    assert.deepEqual(store.upsertNode(nodeSpec('n1', {pos: {file: 'a.yaml', line: 1, col: 1}})), {result: 'added', fields: []})
    assert.equal(store.getNode('n1')?.state, S.Enroll)
    assert.equal(store.getNode('n1')?.spec.pos, undefined)
    assert.deepEqual(store.upsertNode(nodeSpec('n1', {pos: {file: 'b.yaml', line: 9, col: 3}})), {result: 'unchanged', fields: []})
    const changed = store.upsertNode(nodeSpec('n1', {
      bmc: {driver: 'redfish', address: '192.0.2.11', username: 'admin', password: {value: 's3cret-pw'}},
      groups: ['rack1'],
    }))
    assert.deepEqual(changed, {result: 'changed', fields: ['bmc.address', 'bmc.driver', 'groups']})
    assert.equal(store.getNode('n1')?.spec.bmc.address, '192.0.2.11')
    const pw = store.upsertNode(nodeSpec('n1', {bmc: {driver: 'redfish', address: '192.0.2.11', username: 'admin'}, groups: ['rack1']}))
    assert.deepEqual(pw, {result: 'changed', fields: ['bmc.password']})
    assert.deepEqual(store.events('n1').map((e) => e.kind), ['node.added', 'node.changed', 'node.changed'])
    assert.ok(!JSON.stringify(store.events('n1')).includes('s3cret'), 'events never hold the password')
    store.close()
  })

  test('list, findNodeByMac (any MAC form), duplicate MAC across nodes refused', () => {
    const {store} = freshStore()
    store.upsertNode(nodeSpec('b', {nics: [{mac: '52:54:00:00:00:0b'}, {mac: '52:54:00:00:01:0b'}]}))
    store.upsertNode(nodeSpec('a', {nics: [{mac: '52:54:00:00:00:0a'}]}))
    assert.deepEqual(store.listNodes().map((n) => n.name), ['a', 'b'])
    assert.equal(store.findNodeByMac('52-54-00-00-01-0B')?.name, 'b')
    assert.equal(store.findNodeByMac('52:54:00:00:00:99'), undefined)
    assert.throws(() => store.upsertNode(nodeSpec('c', {nics: [{mac: '52:54:00:00:00:0a'}]})),
      (e: unknown) => e instanceof InputError && /52:54:00:00:00:0a already belongs to node a/.test(e.message))
    assert.equal(store.getNode('c'), undefined, 'the refused upsert left nothing behind')
    store.upsertNode(nodeSpec('b', {nics: [{mac: '52:54:00:00:00:0b'}]}))
    assert.equal(store.findNodeByMac('52:54:00:00:01:0b'), undefined, 'a removed NIC no longer maps')
    store.close()
  })

  test('setFacts merges; setLastError sets and clears', () => {
    const {store} = freshStore()
    store.upsertNode(nodeSpec('n1'))
    store.setFacts('n1', {cpus: 4, disks: ['sda']})
    store.setFacts('n1', {ram: 8192, cpus: 8})
    assert.deepEqual(store.getNode('n1')?.facts, {cpus: 8, disks: ['sda'], ram: 8192})
    store.setLastError('n1', 'boom')
    assert.equal(store.getNode('n1')?.lastError, 'boom')
    store.setLastError('n1', undefined)
    assert.equal(store.getNode('n1')?.lastError, undefined)
    assert.throws(() => store.setFacts('n2', {}), InputError)
    store.close()
  })

  test('transition: records state.change, stores the error, clears it on a non-failed state', () => {
    const {store} = freshStore()
    store.upsertNode(nodeSpec('n1'))
    store.transition('n1', S.Manageable, {reason: 'bmc ok'})
    store.transition('n1', S.Available)
    store.transition('n1', S.Deploying)
    const failed = store.transition('n1', S.DeployFailed, {reason: 'step image_write', error: 'checksum mismatch'})
    assert.equal(failed.state, S.DeployFailed)
    assert.equal(failed.lastError, 'checksum mismatch')
    assert.equal(store.transition('n1', S.Error).lastError, 'checksum mismatch', 'kept while failed')
    assert.equal(store.transition('n1', S.Manageable).lastError, undefined, 'cleared once healthy')
    const changes = store.events('n1', {kinds: ['state.change']})
    assert.deepEqual(changes.map((e) => [e.data?.from, e.data?.to]), [
      ['enroll', 'manageable'], ['manageable', 'available'], ['available', 'deploying'],
      ['deploying', 'deploy-failed'], ['deploy-failed', 'error'], ['error', 'manageable'],
    ])
    assert.equal(changes[0].data?.reason, 'bmc ok')
    assert.throws(() => store.transition('n1', S.Active), (e: unknown) => e instanceof IllegalTransitionError && /"manageable" to "active"/.test(e.message))
    assert.equal(store.getNode('n1')?.state, S.Manageable, 'an illegal transition changes nothing')
    store.close()
  })

  test('delete is refused while busy (naming the state), then removes node, events and boot configs', () => {
    const {store} = freshStore()
    store.upsertNode(nodeSpec('n1'))
    for (const s of [S.Manageable, S.Available, S.Deploying]) store.transition('n1', s)
    store.setBootConfig('52:54:00:00:00:01', {node: 'n1', mode: 'liveos', vars: {}})
    assert.throws(() => store.deleteNode('n1'), (e: unknown) => e instanceof NodeBusyError && e.exitCode === 1 && /"deploying"/.test(e.message))
    store.transition('n1', S.WaitCallback)
    assert.throws(() => store.deleteNode('n1'), /"wait-callback"/)
    store.transition('n1', S.DeployFailed)
    store.deleteNode('n1')
    assert.equal(store.getNode('n1'), undefined)
    assert.deepEqual(store.events('n1'), [])
    assert.equal(store.getBootConfig('52:54:00:00:00:01'), undefined)
    assert.equal(store.findNodeByMac('52:54:00:00:00:01'), undefined)
    store.close()
  })

  test('unknown node: InputError exit 2 with a did-you-mean', () => {
    const {store} = freshStore()
    store.upsertNode(nodeSpec('node01'))
    assert.throws(() => store.deleteNode('node10'), (e: unknown) => e instanceof InputError && e.exitCode === 2 && e.hint === 'did you mean "node01"?')
    assert.throws(() => store.transition('zzz', S.Manageable), (e: unknown) => e instanceof InputError && !e.hint?.includes('did you mean'))
    store.close()
  })
})

describe('events', () => {
  test('chronological, limit keeps the newest, afterId pages forward, kinds filter', () => {
    const {store} = freshStore()
    const ids = Array.from({length: 6}, (_, i) => store.addEvent('n1', i % 2 ? 'dhcp.offer' : 'tftp.file', `m${i}`, {i}).id)
    store.addEvent('other', 'dhcp.offer', 'not mine')
    assert.deepEqual(store.events('n1').map((e) => e.message), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'])
    assert.deepEqual(store.events('n1', {limit: 2}).map((e) => e.message), ['m4', 'm5'])
    assert.deepEqual(store.events('n1', {afterId: ids[2]}).map((e) => e.message), ['m3', 'm4', 'm5'])
    assert.deepEqual(store.events('n1', {afterId: ids[0], limit: 2}).map((e) => e.message), ['m1', 'm2'])
    assert.deepEqual(store.events('n1', {kinds: ['dhcp.offer']}).map((e) => e.data?.i), [1, 3, 5])
    assert.deepEqual(store.events('n1', {kinds: ['dhcp.offer'], limit: 1}).map((e) => e.message), ['m5'])
    store.close()
  })
})
