import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {lastStage, stageOf} from '../../../src/deploy/stages.js'
import type {NodeEvent} from '../../../src/state/types.js'
import pxeConfig from '../../../src/tasks/pxe_config.js'
import waitForCallback from '../../../src/tasks/wait_for_callback.js'
import {ctxFor, deployServices, liveosFacts, playCallback, storeWith} from './deploy-fixtures.js'

const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOCsMHeZCQ1oxfRSZm0XWPMKr1QGMgVD7iUzbprz0RR0'

async function issued() {
  const {store, dataDir} = storeWith()
  const services = {store, deploy: deployServices(dataDir)}
  await pxeConfig.run(ctxFor({mode: 'liveos', purpose: 'deploy', token_ttl: 60}, services))
  return {store, services}
}

const quick = {timeout: 0.3, poll: 0.02}

/** Events as the servers record them, from the first boot step up to `upTo`. */
const BOOT: [kind: string, message: string, data?: Record<string, unknown>][] = [
  ['dhcp.discover', 'DHCPDISCOVER from 52:54:00:00:00:01'],
  ['dhcp.ack', 'DHCPACK 192.0.2.10'],
  ['tftp.start', 'RRQ undionly.kpxe', {path: 'undionly.kpxe'}],
  ['tftp.done', 'sent undionly.kpxe (70000 bytes)', {path: 'undionly.kpxe'}],
  ['http.fetch', 'boot script served', {status: 200}],
  ['http.fetch', 'GET /liveos/vmlinuz', {status: 200}],
  ['http.fetch', 'GET /liveos/initrd.img', {status: 200}],
]

describe('wait_for_callback task', () => {
  test('returns the call-back facts once the LiveOS has called back', async () => {
    const {store, services} = await issued()
    setTimeout(() => playCallback(store, 'n1', liveosFacts({ip: '192.0.2.10', hostKeys: [HOST_KEY],
      disks: [{name: 'sda', sizeBytes: 1e10, model: 'M', serial: null, wwn: null, rotational: false}]})), 50)
    const r = await waitForCallback.run(ctxFor({timeout: 5, poll: 0.02}, services))
    assert.equal(r.failed, undefined, String(r.msg))
    assert.equal(r.ip, '192.0.2.10')
    assert.match(String(r.host_key), /^SHA256:/)
    assert.deepEqual((r.facts as Record<string, unknown>).liveos_ip, '192.0.2.10')
    assert.equal(((r.facts as Record<string, unknown>).liveos_disks as unknown[]).length, 1)
    assert.equal(store.events('n1', {kinds: ['deploy.wait_for_callback']}).length, 1)
  })

  test('a call-back from before the token was issued does not count', async () => {
    const {store, dataDir} = storeWith()
    store.setFacts('n1', {liveos: liveosFacts(), liveos_callback_at: '2000-01-01T00:00:00.000Z'})
    const services = {store, deploy: deployServices(dataDir)}
    await pxeConfig.run(ctxFor({mode: 'liveos', purpose: 'deploy', token_ttl: 60}, services))
    const r = await waitForCallback.run(ctxFor(quick, services))
    assert.equal(r.failed, true)
  })

  test('without a LiveOS boot config it fails saying what to run first', async () => {
    const {store, dataDir} = storeWith()
    const r = await waitForCallback.run(ctxFor(quick, {store, deploy: deployServices(dataDir)}))
    assert.equal(r.failed, true)
    assert.match(String(r.msg), /run pxe_config mode liveos first/)
  })

  const expected = ['none', 'DHCP', 'DHCP', 'TFTP', 'TFTP', 'iPXE script', 'LiveOS download', 'LiveOS download']
  for (let upTo = 0; upTo <= BOOT.length; upTo++) {
    test(`timeout names the last stage seen: ${expected[upTo]} (after ${upTo} boot events)`, async () => {
      const {store, services} = await issued()
      for (const [kind, message, data] of BOOT.slice(0, upTo)) store.addEvent('n1', kind, message, data)
      const r = await waitForCallback.run(ctxFor(quick, services))
      assert.equal(r.failed, true)
      const msg = String(r.msg)
      assert.ok(msg.startsWith('no call-back within 0s; last stage seen: '), msg)
      if (upTo === 0) assert.match(msg, /last stage seen: none$/)
      else assert.ok(msg.includes(`last stage seen: ${expected[upTo]} at 20`) && msg.includes(`(${BOOT[upTo - 1][1]})`), msg)
      const ev = store.events('n1', {kinds: ['deploy.wait_for_callback']})
      assert.equal(ev.length, 1, 'the timeout is recorded as an event')
      assert.equal(ev[0].message, msg)
    })
  }

  test('boot events from before the token was issued are not counted', async () => {
    const {store, dataDir} = storeWith()
    store.addEvent('n1', 'http.fetch', 'GET /liveos/vmlinuz')
    await new Promise((r) => setTimeout(r, 5))
    const services = {store, deploy: deployServices(dataDir)}
    await pxeConfig.run(ctxFor({mode: 'liveos', purpose: 'deploy', token_ttl: 60}, services))
    const r = await waitForCallback.run(ctxFor(quick, services))
    assert.match(String(r.msg), /last stage seen: none$/)
  })

  test('check mode does not wait', async () => {
    const {services} = await issued()
    const r = await waitForCallback.run(ctxFor({timeout: 3600, poll: 1}, services, {check: true}))
    assert.deepEqual([r.changed, r.failed], [false, undefined])
  })
})

describe('boot stages', () => {
  const ev = (kind: string, message: string, ts = '2024-01-01T00:00:00.000Z', data?: Record<string, unknown>): NodeEvent =>
    ({id: 1, node: 'n1', ts, kind, message, data})

  test('classifies server events', () => {
    assert.equal(stageOf(ev('dhcp.offer', 'x')), 'dhcp')
    assert.equal(stageOf(ev('tftp.error', 'x')), 'tftp')
    assert.equal(stageOf(ev('http.boot-script', 'x')), 'boot-script')
    assert.equal(stageOf(ev('http.fetch', 'boot script requested but none is configured')), 'boot-script')
    assert.equal(stageOf(ev('http.fetch', 'GET /liveos/initrd.img')), 'liveos-download')
    assert.equal(stageOf(ev('callback.refused', 'unknown token')), 'callback-refused')
    assert.equal(stageOf(ev('state.change', 'a → b')), undefined)
  })

  test('the furthest stage wins even when an earlier one comes later (a retry)', () => {
    const r = lastStage([ev('http.fetch', 'GET /liveos/vmlinuz', '2024-01-01T00:00:01.000Z'), ev('dhcp.ack', 'again', '2024-01-01T00:00:02.000Z')])
    assert.equal(r.stage, 'liveos-download')
    assert.equal(r.at, '2024-01-01T00:00:01.000Z')
    assert.match(r.hint, /console/)
  })
})
