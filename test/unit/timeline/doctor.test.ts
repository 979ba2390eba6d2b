import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {thisHost} from '../../../src/state/reservations.js'
import type {NodeEvent} from '../../../src/state/types.js'
import {CHAIN, diagnose, formatDoctor, latestAttempt, type ChainStageId} from '../../../src/services/doctor.js'

/** A full, successful deploy as the servers and tasks record it, one event per stage plus noise. */
function fullDeploy(): NodeEvent[] {
  const raw: [string, string, Record<string, unknown>?][] = [
    ['state.change', 'available → deploying', {from: 'available', to: 'deploying'}],
    ['deploy.pxe_config', 'boot the LiveOS (deploy) on 52:54:00:00:00:01', {mode: 'liveos'}],
    ['bmc.boot-device-set', 'boot-device-set answered by fake', {ok: true, provider: 'fake'}],
    ['bmc.power-set', 'power-set answered by fake', {ok: true, provider: 'fake'}],
    ['state.change', 'deploying → wait-callback', {from: 'deploying', to: 'wait-callback'}],
    ['dhcp.discover', 'DHCPDISCOVER'],
    ['dhcp.offer', 'DHCPOFFER 192.0.2.10', {ip: '192.0.2.10'}],
    ['dhcp.ack', 'DHCPACK 192.0.2.10', {ip: '192.0.2.10'}],
    ['tftp.start', 'RRQ undionly.kpxe'],
    ['tftp.done', 'sent undionly.kpxe (70000 bytes)'],
    ['http.boot-script', 'boot script served (liveos)', {mode: 'liveos'}],
    ['http.fetch', 'GET /liveos/vmlinuz', {status: 200}],
    ['http.fetch', 'GET /liveos/initrd.img', {status: 200}],
    ['callback', 'LiveOS called back from 192.0.2.10', {ip: '192.0.2.10'}],
    ['state.change', 'wait-callback → deploying', {from: 'wait-callback', to: 'deploying'}],
    ['deploy.disk_wipe', 'wiped metadata of /dev/vda in 1s', {device: '/dev/vda'}],
    ['deploy.image_write', 'wrote 1.00 GiB to /dev/vda in 20s', {bytes: 1 << 30}],
    ['deploy.configdrive', 'config-2 config drive on /dev/vda2 in 1s', {}],
    ['deploy.pxe_config', 'boot the local disk on 52:54:00:00:00:01', {mode: 'local'}],
    ['bmc.power-set', 'power-set answered by fake', {ok: true, provider: 'fake'}],
    ['dhcp.ack', 'DHCPACK 192.0.2.10', {ip: '192.0.2.10'}],
    ['deploy.wait_for_ssh', 'SSH up on 192.0.2.11:22 after 30s', {host: '192.0.2.11'}],
    ['state.change', 'deploying → active', {from: 'deploying', to: 'active'}],
  ]
  const t0 = Date.parse('2026-01-01T00:00:00Z')
  return raw.map(([kind, message, data], i) => ({id: i + 1, node: 'n1', ts: new Date(t0 + i * 1000).toISOString(), kind, message, ...(data ? {data} : {})}))
}

/** Index of the first event that proves `stage` in the full deploy. */
function firstEventOf(events: NodeEvent[], stage: ChainStageId): number {
  const def = CHAIN.find((s) => s.id === stage)!
  return events.findIndex((e) => def.reached(e))
}

const node = {name: 'n1', state: 'deploy-failed' as const, lastError: 'no call-back within 30m'}

describe('diagnose', () => {
  test('a complete deploy: every stage seen, in order, with times and gaps; nothing missing', () => {
    const r = diagnose({...node, state: 'active'}, fullDeploy())
    assert.deepEqual(r.stages.map((s) => s.status), CHAIN.map(() => 'seen'))
    assert.equal(r.firstMissing, undefined)
    assert.equal(r.stages[1].at, '2026-01-01T00:00:06.000Z', 'DHCP is first seen at the offer')
    assert.equal(r.stages[1].sincePrevMs, 4000, 'measured from the BMC boot-device set')
    assert.match(formatDoctor(r), /the whole chain completed/)
  })

  for (const stage of CHAIN.map((s) => s.id)) {
    test(`the log cut before "${stage}" is first seen names it as the first missing stage, with causes`, () => {
      const events = fullDeploy()
      const cut = events.slice(0, firstEventOf(events, stage))
      const r = diagnose(node, cut)
      assert.equal(r.firstMissing?.id, stage)
      assert.ok(r.firstMissing!.causes.length > 0)
      const at = CHAIN.findIndex((s) => s.id === stage)
      assert.deepEqual(r.stages.map((s) => s.status), CHAIN.map((_, i) => (i < at ? 'seen' : i === at ? 'missing' : 'not-seen')))
      const text = formatDoctor(r)
      assert.match(text, new RegExp(`first missing stage: ${r.firstMissing!.label.replace(/[/()]/g, '\\$&')}`))
      assert.match(text, /last error: no call-back within 30m/)
    })
  }

  test('DHCP discover without an offer: MAC/foreign-server causes and the discover as a clue', () => {
    const events = fullDeploy().filter((e) => !e.kind.startsWith('dhcp.') || e.kind === 'dhcp.discover').slice(0, 6)
    events.push({id: 99, node: 'n1', ts: '2026-01-01T00:00:09.000Z', kind: 'dhcp.no-reservation', message: 'MAC 52:54:00:00:00:01: address outside the subnet'})
    const r = diagnose(node, events)
    assert.equal(r.firstMissing?.id, 'dhcp')
    assert.ok(r.firstMissing!.causes.some((c) => /MAC mismatch/.test(c)))
    assert.ok(r.firstMissing!.causes.some((c) => /foreign DHCP server/.test(c)))
    assert.deepEqual(r.firstMissing!.clues.map((c) => c.split(' ')[1]), ['dhcp.discover:', 'dhcp.no-reservation:'])
  })

  test('an iPXE ROM that skips TFTP: TFTP shows not seen, the chain goes on', () => {
    const events = fullDeploy().filter((e) => !e.kind.startsWith('tftp.'))
    const r = diagnose({...node, state: 'active'}, events)
    assert.equal(r.stages.find((s) => s.id === 'tftp')?.status, 'not-seen')
    assert.equal(r.firstMissing, undefined)
  })

  test('refused call-back and failed image write show up as clues', () => {
    const events = fullDeploy()
    const cb = firstEventOf(events, 'callback')
    const refused = [...events.slice(0, cb), {id: 98, node: 'n1', ts: '2026-01-01T00:00:30.000Z', kind: 'callback.refused', message: 'call-back refused: unknown token'}]
    assert.deepEqual(diagnose(node, refused).firstMissing?.clues, ['2026-01-01T00:00:30.000Z callback.refused: call-back refused: unknown token'])
    const img = firstEventOf(events, 'image')
    const failed = [...events.slice(0, img), {id: 97, node: 'n1', ts: '2026-01-01T00:00:40.000Z', kind: 'deploy.image_write', message: 'image write failed: checksum', data: {error: 'checksum'}}]
    const r = diagnose(node, failed)
    assert.equal(r.firstMissing?.id, 'image')
    assert.equal(r.firstMissing?.clues.length, 1)
  })

  test('a rescue that sets local boot before any call-back does not count as booting the disk', () => {
    const events = fullDeploy().slice(0, 8)
    events.push({id: 96, node: 'n1', ts: '2026-01-01T00:00:50.000Z', kind: 'deploy.pxe_config', message: 'boot the local disk', data: {mode: 'local'}})
    const r = diagnose(node, events)
    assert.equal(r.stages.find((s) => s.id === 'local-boot')?.status, 'not-seen')
    assert.equal(r.firstMissing?.id, 'tftp')
  })

  test('only the latest attempt counts', () => {
    const first = fullDeploy()
    const retry: NodeEvent = {id: 100, node: 'n1', ts: '2026-01-01T01:00:00.000Z', kind: 'state.change', message: 'deploy-failed → deploying', data: {from: 'deploy-failed', to: 'deploying'}}
    const r = diagnose(node, [...first, retry])
    assert.equal(latestAttempt([...first, retry]).since, retry.ts)
    assert.equal(r.firstMissing?.id, 'bmc')
  })

  test('work in progress: the next stage is pending, not missing', () => {
    const events = fullDeploy().slice(0, 8)
    const r = diagnose({...node, state: 'wait-callback'}, events, {node: 'n1', pid: process.pid, host: thisHost, since: '', purpose: 'deploy'})
    assert.equal(r.inProgress, true)
    assert.equal(r.stages.find((s) => s.id === 'tftp')?.status, 'pending')
    assert.equal(r.firstMissing, undefined)
  })

  test('a node never deployed has nothing missing', () => {
    const r = diagnose({name: 'n1', state: 'available'}, [])
    assert.equal(r.firstMissing, undefined)
    assert.match(formatDoctor(r), /no deploy\/inspect attempt recorded/)
  })
})
