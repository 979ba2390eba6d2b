import assert from 'node:assert/strict'
import {createSocket} from 'node:dgram'
import {test} from 'node:test'
import {Cmd, NetFn} from '../../../src/protocols/ipmi/constants.js'
import {IpmiSession} from '../../../src/protocols/ipmi/session.js'
import {FakeMachine} from '../../../src/testenv/machine.js'
import {startIpmiVbmc} from '../../../src/testenv/vbmc/ipmi-server.js'

test('an idle session sends keepalives and stays usable; close sends Close Session', async () => {
  const vbmc = await startIpmiVbmc({machine: new FakeMachine('k'), port: 0, users: [{name: 'admin', password: 'pw', privilege: 'administrator'}]})
  // A counting relay between client and vBMC shows what the idle client sends.
  const relay = createSocket('udp4')
  let client: {address: string; port: number} | undefined
  let fromClient = 0
  relay.on('message', (buf, r) => {
    if (r.port === vbmc.port) { if (client) relay.send(buf, client.port, client.address); return }
    client = {address: r.address, port: r.port}
    fromClient++
    relay.send(buf, vbmc.port, '127.0.0.1')
  })
  await new Promise<void>((r) => relay.bind(0, '127.0.0.1', r))
  try {
    const s = await IpmiSession.open({address: '127.0.0.1', port: relay.address().port, username: 'admin', password: 'pw', keepaliveMs: 100, minIntervalMs: 0})
    const afterSetup = fromClient
    await new Promise((r) => setTimeout(r, 450))
    assert.ok(fromClient - afterSetup >= 2, `expected keepalives while idle, saw ${fromClient - afterSetup} datagrams`)
    assert.equal((await s.command(NetFn.App, Cmd.GetDeviceId)).length, 11)
    const beforeClose = fromClient
    await s.close()
    assert.equal(fromClient, beforeClose + 1, 'one Close Session request')
    assert.equal(s.closed, true)
    await assert.rejects(s.command(NetFn.App, Cmd.GetDeviceId), /closed/)
  } finally {
    relay.close()
    await vbmc.close()
  }
})
