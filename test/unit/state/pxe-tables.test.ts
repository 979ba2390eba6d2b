import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import Database from 'better-sqlite3'
import {consumeToken, issueToken} from '../../../src/state/tokens.js'
import {freshStore} from './fixtures.js'

describe('one-time tokens', () => {
  test('43-char base64url, consumed once, wrong or malformed tokens refused', () => {
    const {store} = freshStore()
    const t = store.issueToken('n1', 'callback', 60)
    assert.match(t, /^[A-Za-z0-9_-]{43}$/)
    const other = store.issueToken('n2', 'callback', 60)
    assert.notEqual(t, other)
    const flipped = (t[0] === 'A' ? 'B' : 'A') + t.slice(1)
    assert.equal(store.consumeToken(flipped), undefined)
    assert.equal(store.consumeToken(''), undefined)
    assert.equal(store.consumeToken(t + 'x'), undefined)
    assert.deepEqual(store.consumeToken(t), {node: 'n1', purpose: 'callback'})
    assert.equal(store.consumeToken(t), undefined, 'second use refused')
    assert.deepEqual(store.consumeToken(other), {node: 'n2', purpose: 'callback'})
    store.close()
  })

  test('only the sha256 is stored', () => {
    const {store} = freshStore()
    const t = store.issueToken('n1', 'callback', 60)
    store.close()
    const db = new Database(store.path, {readonly: true})
    const rows = db.prepare('SELECT hash FROM tokens').all() as {hash: Buffer}[]
    db.close()
    assert.equal(rows.length, 1)
    assert.deepEqual(rows[0].hash, createHash('sha256').update(t).digest())
    assert.ok(!rows[0].hash.toString('latin1').includes(t))
  })

  test('expired tokens are refused', () => {
    const db = new Database(':memory:')
    db.exec('CREATE TABLE tokens (hash BLOB PRIMARY KEY, node TEXT NOT NULL, purpose TEXT NOT NULL, expires INTEGER NOT NULL)')
    const now = 1_700_000_000_000
    const t = issueToken(db, 'n1', 'callback', 10, now)
    assert.equal(consumeToken(db, t, now + 10_000), undefined, 'at expiry')
    const u = issueToken(db, 'n1', 'callback', 10, now)
    assert.deepEqual(consumeToken(db, u, now + 9_999), {node: 'n1', purpose: 'callback'})
    assert.throws(() => issueToken(db, 'n1', 'x', 0), /positive/)
    db.close()
  })
})

describe('DHCP leases', () => {
  test('put, get by MAC (any form) and IP, renew, delete, list', () => {
    const {store} = freshStore()
    const later = Date.now() + 3_600_000
    store.putLease({mac: '52:54:00:AA:00:01', ip: '192.0.2.100', expires: later, hostname: 'pxe1'})
    store.putLease({mac: '52:54:00:aa:00:02', ip: '192.0.2.101', expires: later})
    assert.deepEqual(store.getLease('52-54-00-aa-00-01'), {mac: '52:54:00:aa:00:01', ip: '192.0.2.100', expires: later, hostname: 'pxe1'})
    assert.deepEqual(store.leaseByIp('192.0.2.101'), {mac: '52:54:00:aa:00:02', ip: '192.0.2.101', expires: later})
    store.putLease({mac: '52:54:00:aa:00:02', ip: '192.0.2.101', expires: later + 1})
    assert.equal(store.getLease('52:54:00:aa:00:02')?.expires, later + 1)
    assert.deepEqual(store.listLeases().map((l) => l.ip), ['192.0.2.100', '192.0.2.101'])
    store.deleteLease('52:54:00:aa:00:01')
    assert.equal(store.getLease('52:54:00:aa:00:01'), undefined)
    assert.equal(store.leaseByIp('192.0.2.100'), undefined)
    assert.throws(() => store.getLease('nope'), /not a MAC address: "nope"/)
    store.close()
  })

  test('an IP held by a live lease of another MAC is a conflict; an expired one is replaced', () => {
    const {store} = freshStore()
    store.putLease({mac: '52:54:00:aa:00:01', ip: '192.0.2.100', expires: Date.now() + 60_000})
    assert.throws(() => store.putLease({mac: '52:54:00:aa:00:03', ip: '192.0.2.100', expires: Date.now() + 60_000}), /192\.0\.2\.100 is leased to 52:54:00:aa:00:01/)
    store.putLease({mac: '52:54:00:aa:00:02', ip: '192.0.2.102', expires: Date.now() - 1})
    store.putLease({mac: '52:54:00:aa:00:03', ip: '192.0.2.102', expires: Date.now() + 60_000})
    assert.equal(store.leaseByIp('192.0.2.102')?.mac, '52:54:00:aa:00:03')
    assert.equal(store.getLease('52:54:00:aa:00:02'), undefined)
    store.close()
  })
})

describe('boot configs and discovery', () => {
  test('set, replace, get by MAC, clear; bad mode refused', () => {
    const {store} = freshStore()
    store.setBootConfig('52:54:00:00:00:01', {node: 'n1', mode: 'liveos', vars: {token: 'x', kernel: 'vmlinuz'}})
    const got = store.getBootConfig('52-54-00-00-00-01')
    assert.equal(got?.mode, 'liveos')
    assert.equal(got?.node, 'n1')
    assert.deepEqual(got?.vars, {token: 'x', kernel: 'vmlinuz'})
    store.setBootConfig('52:54:00:00:00:01', {node: 'n1', mode: 'local', vars: {}})
    assert.equal(store.getBootConfig('52:54:00:00:00:01')?.mode, 'local')
    store.clearBootConfig('52:54:00:00:00:01')
    assert.equal(store.getBootConfig('52:54:00:00:00:01'), undefined)
    assert.throws(() => store.setBootConfig('52:54:00:00:00:01', {node: 'n1', mode: 'disk' as 'local', vars: {}}), /mode must be one of/)
    store.close()
  })

  test('recordDiscovered counts sightings and keeps first_seen', () => {
    const {store} = freshStore()
    store.recordDiscovered('52:54:00:00:00:09', {arch: 7})
    store.recordDiscovered('52:54:00:00:00:09', {arch: 7, vendorClass: 'PXEClient'})
    store.recordDiscovered('52:54:00:00:00:08', {arch: 0})
    const all = store.listDiscovered()
    const h = all.find((d) => d.mac === '52:54:00:00:00:09')!
    assert.equal(all.length, 2)
    assert.equal(h.count, 2)
    assert.deepEqual(h.info, {arch: 7, vendorClass: 'PXEClient'})
    assert.ok(h.firstSeen <= h.lastSeen)
    store.close()
  })
})
