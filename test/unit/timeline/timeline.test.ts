import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {openStore} from '../../../src/state/store.js'
import type {NodeEvent} from '../../../src/state/types.js'
import {followTimeline, formatEntry, formatGap, readTimeline, timeline} from '../../../src/services/timeline.js'
import {tempDir} from '../../support/env.js'

const ev = (id: number, ts: string, kind = 'x.y', message = 'm'): NodeEvent => ({id, node: 'n1', ts, kind, message})

describe('timeline', () => {
  test('each event carries the time since the one before', () => {
    const t = timeline([ev(1, '2026-01-01T00:00:00.000Z'), ev(2, '2026-01-01T00:00:00.250Z'), ev(3, '2026-01-01T00:01:05.250Z')])
    assert.deepEqual(t.map((e) => e.sincePrevMs), [undefined, 250, 65_000])
    assert.deepEqual(t.map((e) => formatGap(e.sincePrevMs)), ['', '+250ms', '+1m05s'])
  })

  test('a predecessor gives the first event its gap too', () => {
    const t = timeline([ev(2, '2026-01-01T00:00:03.000Z')], ev(1, '2026-01-01T00:00:00.000Z'))
    assert.equal(t[0].sincePrevMs, 3000)
  })

  test('a line shows time, gap, kind and the message on one line', () => {
    const [e] = timeline([ev(2, '2026-01-01T00:00:01.000Z', 'dhcp.ack', 'DHCPACK\n192.0.2.10')], ev(1, '2026-01-01T00:00:00.000Z'))
    assert.match(formatEntry(e), /^2026-01-01T00:00:01.000Z\s+\+0m01s\s+dhcp\.ack\s+DHCPACK 192\.0\.2\.10$/)
  })
})

describe('readTimeline / followTimeline over a store', () => {
  function store() {
    const s = openStore(tempDir('bmpctl-timeline-'))
    s.upsertNode({name: 'n1', bmc: {driver: 'fake', address: '192.0.2.9'}, nics: [], properties: {}, network: {}, sshKeys: [], groups: [], vars: {}})
    return s
  }

  test('--limit keeps the newest N, the first measured from the event before it', () => {
    const s = store()
    for (const k of ['a', 'b', 'c']) s.addEvent('n1', `t.${k}`, k)
    const all = readTimeline(s, 'n1')
    const last2 = readTimeline(s, 'n1', 2)
    assert.deepEqual(last2.map((e) => e.kind), ['t.b', 't.c'])
    assert.equal(last2[0].sincePrevMs, Date.parse(all[2].ts) - Date.parse(all[1].ts))
    assert.notEqual(last2[0].sincePrevMs, undefined)
    s.close()
  })

  test('an unknown node is an input error', () => {
    const s = store()
    assert.throws(() => readTimeline(s, 'n2'), /unknown node "n2"/)
    s.close()
  })

  test('follow hands over only events after the last one shown, in order, until aborted', async () => {
    const s = store()
    s.addEvent('n1', 'old', 'before')
    const shown = readTimeline(s, 'n1')
    const seen: string[] = []
    const ac = new AbortController()
    const following = followTimeline(s, 'n1', shown.at(-1), (list) => {
      seen.push(...list.map((e) => e.kind))
      if (seen.length >= 3) ac.abort()
    }, {intervalMs: 10, signal: ac.signal})
    s.addEvent('n1', 'new.1', 'x')
    await new Promise((r) => setTimeout(r, 30))
    s.addEvent('n1', 'new.2', 'x')
    s.addEvent('n1', 'new.3', 'x')
    await following
    assert.deepEqual(seen, ['new.1', 'new.2', 'new.3'])
    s.close()
  })
})
