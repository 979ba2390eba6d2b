import {test} from 'node:test'
import assert from 'node:assert/strict'
import {DhcpDecodeError, decodeDhcp, encodeDhcp} from '../../../src/protocols/dhcp/index.js'
import {handleDhcp} from '../../../src/servers/dhcp/handler.js'
import {fuzzDatagram, rng, seedPackets} from '../../support/dhcp-fuzz.js'
import {KNOWN, context} from './helpers.js'

test('100k random and mutated datagrams: only DhcpDecodeError, handler never throws', () => {
  const next = rng(20240601)
  const seeds = seedPackets([KNOWN, '02:00:00:00:00:01'])
  const contexts = [
    context(),
    context({mode: 'dynamic', range: {start: '192.0.2.100', end: '192.0.2.120'}, relaySubnets: ['198.51.100.0/24']}),
    {...context({mode: 'proxy'}), via: {address: '192.0.2.50', port: 68, proxy: true}},
    context({mode: 'proxy'}),
  ]
  let decoded = 0, malformed = 0, replies = 0
  for (let i = 0; i < 100_000; i++) {
    const d = fuzzDatagram(next, seeds)
    let p
    try {
      p = decodeDhcp(d)
      decoded++
    } catch (e) {
      assert.ok(e instanceof DhcpDecodeError, `datagram ${i}: unexpected ${String(e)} for ${d.toString('hex')}`)
      malformed++
      continue
    }
    const res = handleDhcp(p, contexts[i % contexts.length])
    if (res) {
      replies++
      encodeDhcp(res.reply)
      assert.ok(/^192\.0\.2\.|^198\.51\.100\.|^255\.255\.255\.255$/.test(res.destination.address), `reply to ${res.destination.address}`)
    }
  }
  // the mix must exercise both paths, or the test proves nothing
  assert.ok(decoded > 10_000 && malformed > 10_000 && replies > 1_000, JSON.stringify({decoded, malformed, replies}))
})
