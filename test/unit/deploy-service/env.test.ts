import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {PassThrough} from 'node:stream'
import {resetFakeBmcs} from '../../../src/bmc/fake.js'
import {InputError, OperationError} from '../../../src/errors.js'
import {confirmOnTty} from '../../../src/services/confirm.js'
import {bmcPool} from '../../../src/services/deploy-env.js'
import {openStore} from '../../../src/state/store.js'
import {tempDir} from '../../support/env.js'
import {fakeSpec} from './fixtures.js'

describe('bmcPool', () => {
  test('one BMC per host; changes and failures become bmc.* events naming who answered, polls do not', async () => {
    resetFakeBmcs()
    const store = openStore(tempDir('bmpctl-bmc-pool-'))
    store.upsertNode(fakeSpec('a', 1))
    const pool = bmcPool(store)
    const bmc = await pool.bmcFor('a')
    assert.equal(await pool.bmcFor('a'), bmc)
    await bmc.setPower!('on')
    await bmc.powerState!()
    const events = store.events('a', {kinds: ['bmc.power-set', 'bmc.power-state']})
    assert.deepEqual(events.map((e) => [e.kind, e.message, e.data?.answeredBy]), [['bmc.power-set', 'power-set answered by fake', 'fake']])
    await pool.closeAll()
    store.close()
  })

  test('an unknown host is refused by name', async () => {
    const store = openStore(tempDir('bmpctl-bmc-pool-'))
    assert.throws(() => bmcPool(store).bmcFor('nope'), /unknown node "nope"/)
    store.close()
  })
})

describe('confirmOnTty', () => {
  const tty = (answer: string) => {
    const input = Object.assign(new PassThrough(), {isTTY: true})
    input.end(answer + '\n')
    return {input, output: new PassThrough()}
  }

  test('without a terminal: refused as bad input naming the nodes and --yes', async () => {
    await assert.rejects(confirmOnTty('rebuild', {input: Object.assign(new PassThrough(), {isTTY: false})})(['n1', 'n2']),
      (err: unknown) => err instanceof InputError && /destroys the data on n1, n2/.test(err.message) && /--yes/.test(err.hint ?? ''))
  })

  test('on a terminal: "yes" goes on, anything else stops with nothing changed', async () => {
    await confirmOnTty('rebuild', tty('yes'))(['n1'])
    await assert.rejects(confirmOnTty('rebuild', tty('y'))(['n1']), (err: unknown) => err instanceof OperationError && /not confirmed/.test(err.message))
  })
})
