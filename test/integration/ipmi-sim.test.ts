import assert from 'node:assert/strict'
import {createSocket} from 'node:dgram'
import {after, before, describe, test} from 'node:test'
import {IpmiProvider} from '../../src/bmc/ipmi.js'
import {BmcError} from '../../src/bmc/types.js'
import {createLogger} from '../../src/log.js'
import {closeAllIpmiSessions} from '../../src/protocols/ipmi/pool.js'
import {needsCommands, tempDir} from '../support/env.js'
import {type IpmiSim, freeUdpPort, startIpmiSim} from '../support/ipmi-sim.js'

/** The native client against a BMC we did not write: OpenIPMI's ipmi_sim. */
const PASSWORD = 'Sim-Pa55word'
const logs: string[] = []
const log = createLogger({level: 'debug', format: 'json', write: (l) => logs.push(l)})

describe('native IPMI client against ipmi_sim', {skip: needsCommands('ipmi_sim')}, () => {
  let sim: IpmiSim
  before(async () => { sim = await startIpmiSim(tempDir('bmpctl-ipmisim-'), await freeUdpPort(), 'admin', PASSWORD) })
  after(async () => {
    await closeAllIpmiSessions()
    await sim?.close()
  })
  const provider = (extra: Partial<ConstructorParameters<typeof IpmiProvider>[0]> = {}) =>
    new IpmiProvider({address: '127.0.0.1', port: sim.port, username: 'admin', password: PASSWORD, cipherSuite: 3, timeoutMs: 300, log, ...extra})

  test('suite 3 session: power on, status, off, status', async () => {
    const p = provider()
    assert.equal(await p.powerState(), 'off')
    await p.setPower('on')
    assert.equal(sim.power(), '1', 'the chassis hook was told to power on')
    assert.equal(await p.powerState(), 'on')
    await p.setPower('off')
    assert.equal(sim.power(), '0')
    assert.equal(await p.powerState(), 'off')
  })

  test('cycle on a powered-off machine powers it on', async () => {
    const p = provider()
    assert.equal(await p.powerState(), 'off')
    await p.setPower('cycle')
    assert.equal(sim.power(), '1')
    await p.setPower('off')
  })

  test('device id and session facts', async () => {
    const info = await provider().info()
    assert.equal(info.protocol, 'IPMI 2.0')
    // The emu file's mc_add line: device 0, firmware 9.08, manufacturer 0x1291, product 0xf02.
    assert.equal(info.manufacturer, `IANA ${0x1291}`)
    assert.equal(info.product, '0x0f02')
    assert.equal(info.firmware, '9.08')
    assert.equal(info.privilege, 'administrator')
    assert.equal(info.cipherSuite, 3)
  })

  test('without a forced suite the client falls back from 17 to 3 (ipmi_sim has no SHA256)', async () => {
    const info = await provider({cipherSuite: undefined, pool: false}).info()
    assert.equal(info.cipherSuite, 3)
  })

  test('boot device reaches the chassis hook', async () => {
    await provider().setBootDevice({device: 'pxe', persistent: false, uefi: false})
    assert.equal(sim.boot(), 'pxe')
    assert.match(sim.calls(), /set boot pxe/)
  })

  test('wrong password is an auth error naming the user, not the password', async () => {
    const p = provider({password: 'not-the-password', pool: false})
    await assert.rejects(p.powerState(), (err: unknown) => {
      assert.ok(err instanceof BmcError)
      assert.equal(err.kind, 'auth')
      assert.match(err.message, /admin/)
      assert.ok(!err.message.includes('not-the-password'))
      return true
    })
  })

  test('a socket that never answers is a timeout stating the configured budget', async () => {
    const silent = createSocket('udp4')
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r))
    try {
      const p = new IpmiProvider({address: '127.0.0.1', port: silent.address().port, username: 'admin', password: PASSWORD, timeoutMs: 100, retries: 3, log})
      await assert.rejects(p.powerState(), (err: unknown) => {
        assert.ok(err instanceof BmcError)
        assert.equal(err.kind, 'timeout')
        assert.match(err.message, /within 300 ms \(3 tries\)/)
        assert.ok(!err.message.includes(PASSWORD))
        return true
      })
    } finally {
      silent.close()
    }
  })

  test('the password never appears in captured logs', () => {
    assert.ok(logs.length > 0, 'debug logging captured something')
    assert.ok(logs.some((l) => l.includes('ipmi session open')))
    for (const l of logs) assert.ok(!l.includes(PASSWORD) && !l.includes('not-the-password'), l)
  })
})
