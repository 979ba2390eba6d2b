import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {breakdown, findMarks, median, overhead, STAGES, type BenchEvent} from '../../../bench/deploy-stages.js'

const T0 = Date.parse('2026-01-01T00:00:00.000Z')
const ev = (s: number, kind: string, message = '', data?: Record<string, unknown>): BenchEvent =>
  ({ts: new Date(T0 + s * 1000).toISOString(), kind, message, ...(data ? {data} : {})})

/** One node's deploy as the servers and tasks record it (shape of a real lab log). */
function deployLog(shift = 0): BenchEvent[] {
  return [
    ev(-100 + shift, 'bmc.power-set', 'from an earlier attempt', {ok: true}),
    ev(-90 + shift, 'dhcp.discover', 'earlier'),
    ev(1 + shift, 'state.change', 'available → deploying'),
    ev(1.2 + shift, 'bmc.boot-device-set', '', {ok: true}),
    ev(1.5 + shift, 'bmc.power-set', 'power on', {ok: true}),
    ev(4 + shift, 'dhcp.discover', 'DHCPDISCOVER'),
    ev(4 + shift, 'dhcp.ack', 'DHCPACK'),
    ev(20 + shift, 'http.boot-script', 'boot script served (liveos)', {mode: 'liveos'}),
    ev(20.5 + shift, 'http.fetch', 'GET /liveos/vmlinuz'),
    ev(21 + shift, 'http.fetch', 'GET /liveos/initrd.img'),
    ev(28 + shift, 'dhcp.discover', 'LiveOS DHCP'),
    ev(30 + shift, 'callback', 'LiveOS called back'),
    ev(31.5 + shift, 'deploy.disk_wipe', 'wiped', {durationSec: 0.3}),
    ev(80 + shift, 'http.fetch', 'GET /images/guest.raw'),
    ev(100 + shift, 'deploy.image_write', 'wrote', {durationSec: 68}),
    ev(102 + shift, 'deploy.configdrive', 'config drive'),
    ev(102.1 + shift, 'deploy.pxe_config', 'boot the local disk', {mode: 'local'}),
    ev(102.6 + shift, 'bmc.power-set', 'reset', {ok: true}),
    ev(158 + shift, 'deploy.wait_for_ssh', 'SSH up'),
  ]
}

describe('deploy bench: stage breakdown from a node event log', () => {
  test('boundaries come from this attempt only, in chain order; kernel = the later LiveOS file', () => {
    const m = findMarks(deployLog(), T0)
    const rel = (k: keyof typeof m) => (m[k]! - T0) / 1000
    assert.deepEqual([rel('powerOn'), rel('dhcp'), rel('script'), rel('kernel'), rel('callback'), rel('wiped'), rel('image'),
      rel('configdrive'), rel('reboot'), rel('ssh')], [1.5, 4, 20, 21, 30, 31.5, 100, 102, 102.6, 158])
  })

  test('stages partition start..end; unavoidable = firmware + iPXE set-up + LiveOS boot + image + guest boot', () => {
    const b = breakdown('n0', findMarks(deployLog(), T0), T0, T0 + 160_000)
    assert.equal(b.complete, true)
    const sum = STAGES.reduce((t, s) => t + b.stages[s.id]!, 0)
    assert.equal(sum, 160_000)
    assert.equal(b.unavoidableMs, 2_500 + 16_000 + 9_000 + 68_500 + 55_400)
  })

  test('the guest console time splits guest boot from the SSH wait; one outside reboot..SSH is ignored', () => {
    const b = breakdown('n0', findMarks(deployLog(), T0, T0 + 156_000), T0, T0 + 160_000)
    assert.equal(b.stages.guest, 53_400)
    assert.equal(b.stages.sshwait, 2_000)
    const early = breakdown('n0', findMarks(deployLog(), T0, T0 + 50_000), T0, T0 + 160_000)
    assert.equal(early.stages.guest, 55_400)
    assert.equal(early.stages.sshwait, 0)
  })

  test('the image download end splits streaming from the read-back', () => {
    const b = breakdown('n0', findMarks(deployLog(), T0), T0, T0 + 160_000)
    assert.equal(b.stages.image, 48_500)
    assert.equal(b.stages.readback, 20_000)
  })

  test('a node that never called back is incomplete and has no overhead figure', () => {
    const log = deployLog().filter((e) => Date.parse(e.ts) - T0 < 25_000)
    const m = findMarks(log, T0)
    const b = breakdown('n0', m, T0, T0 + 60_000)
    assert.equal(b.complete, false)
    assert.equal(b.stages.liveos, undefined)
    assert.equal(overhead([b], {n0: m}, 60_000), undefined)
  })

  test('overhead is measured against the node whose SSH answered last', () => {
    const early = findMarks(deployLog(), T0)
    const late = findMarks(deployLog(10), T0)
    const nodes = [breakdown('a', early, T0, T0 + 170_000), breakdown('b', late, T0, T0 + 170_000)]
    const ov = overhead(nodes, {a: early, b: late}, 170_000)!
    assert.equal(ov.critical, 'b')
    assert.equal(ov.overheadMs, 170_000 - nodes[1].unavoidableMs)
    assert.equal(ov.strictOverheadMs, ov.overheadMs + 16_000)
  })

  test('median', () => {
    assert.equal(median([]), undefined)
    assert.equal(median([3, 1, 2]), 2)
    assert.equal(median([4, 1, 3, 2]), 2.5)
  })
})
