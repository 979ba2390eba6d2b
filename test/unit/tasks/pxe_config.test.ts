import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import pxeConfig, {type PxeConfigParams} from '../../../src/tasks/pxe_config.js'
import {ctxFor, deployServices, storeWith} from './deploy-fixtures.js'

const MACS = ['52:54:00:00:00:01', '52:54:00:00:00:02']
const p = (mode: PxeConfigParams['mode'], purpose: PxeConfigParams['purpose'] = 'deploy'): PxeConfigParams => ({mode, purpose, token_ttl: 7200})

function setup() {
  const {store, dataDir} = storeWith()
  const deploy = deployServices(dataDir)
  return {store, deploy, services: {store, deploy}}
}

describe('pxe_config task', () => {
  test('liveos: a boot config per MAC with a working one-time token that never shows in results or events', async () => {
    const {store, deploy, services} = setup()
    const r = await pxeConfig.run(ctxFor(p('liveos', 'inspect'), services))
    assert.deepEqual([r.changed, r.macs], [true, MACS])
    const cfgs = MACS.map((m) => store.getBootConfig(m)!)
    for (const c of cfgs) {
      assert.equal(c.mode, 'liveos')
      assert.equal(c.node, 'n1')
      assert.equal(c.vars.callback_url, `${deploy.layout.httpBase}/v1/callback`)
      assert.equal(Buffer.from(String(c.vars.ssh_key_b64), 'base64').toString(), deploy.sshPublicKey)
    }
    const token = String(cfgs[0].vars.token)
    assert.ok(token.length >= 16)
    assert.equal(cfgs[1].vars.token, token, 'one token for the node')
    assert.ok(!JSON.stringify(r).includes(token), 'token not in the result')
    assert.ok(!JSON.stringify(store.events('n1')).includes(token), 'token not in events')
    assert.deepEqual(store.consumeToken(token), {node: 'n1', purpose: 'inspect'})
    assert.equal(store.consumeToken(token), undefined, 'one-time')
  })

  test('liveos issues a fresh token each run', async () => {
    const {store, services} = setup()
    await pxeConfig.run(ctxFor(p('liveos'), services))
    const first = store.getBootConfig(MACS[0])!.vars.token
    await pxeConfig.run(ctxFor(p('liveos'), services))
    assert.notEqual(store.getBootConfig(MACS[0])!.vars.token, first)
  })

  test('check mode writes nothing', async () => {
    const {store, services} = setup()
    const r = await pxeConfig.run(ctxFor(p('liveos'), services, {check: true}))
    assert.equal(r.changed, true)
    assert.equal(store.getBootConfig(MACS[0]), undefined)
    assert.equal(store.events('n1', {kinds: ['deploy.pxe_config']}).length, 0)
  })

  test('local then local again is unchanged; none clears, then unchanged', async () => {
    const {store, services} = setup()
    await pxeConfig.run(ctxFor(p('liveos'), services))
    const local = await pxeConfig.run(ctxFor(p('local'), services))
    assert.deepEqual([local.changed, local.macs], [true, MACS])
    assert.equal(store.getBootConfig(MACS[1])!.mode, 'local')
    assert.equal(store.getBootConfig(MACS[1])!.vars.token, undefined, 'the token is gone from the boot config')
    assert.equal((await pxeConfig.run(ctxFor(p('local'), services))).changed, false)
    assert.equal((await pxeConfig.run(ctxFor(p('none'), services))).changed, true)
    assert.equal(store.getBootConfig(MACS[0]), undefined)
    assert.equal((await pxeConfig.run(ctxFor(p('none'), services))).changed, false)
  })

  test('without deploy services the error says what the caller must pass', async () => {
    const {store} = setup()
    await assert.rejects(pxeConfig.run(ctxFor(p('local'), {store})), /services\.deploy/)
  })
})
