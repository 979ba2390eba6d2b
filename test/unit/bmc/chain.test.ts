import {test} from 'node:test'
import assert from 'node:assert/strict'
import {BmcChain} from '../../../src/bmc/chain.js'
import {createBmc} from '../../../src/bmc/factory.js'
import {FakeProvider, fakeBmcState, resetFakeBmcs} from '../../../src/bmc/fake.js'
import {BmcError, type BmcProvider, type Feature, type PowerState} from '../../../src/bmc/types.js'

/** A provider whose power-state read does whatever `read` says. */
function stub(name: string, read: (signal?: AbortSignal) => Promise<PowerState>, features: Feature[] = ['power-state']): BmcProvider & {closed: number} {
  return {name, features: new Set(features), closed: 0, powerState: read, async close() { this.closed++ }}
}
const never = (signal?: AbortSignal) => new Promise<PowerState>((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted'))))

test('falls back to the next provider and records who answered', async () => {
  const attempts: string[] = []
  const a = stub('native', async () => { throw new BmcError('protocol', 'bad packet', 'native') })
  const b = stub('ipmitool', async () => 'on')
  const chain = new BmcChain([a, b], {name: 'ipmi', onAttempt: (p, cap, ok, err) => attempts.push(`${p}:${cap}:${ok}${err ? ':' + err.message : ''}`)})
  assert.equal(await chain.powerState(), 'on')
  assert.equal(chain.lastAnsweredBy, 'ipmitool')
  assert.deepEqual(attempts, ['native:power-state:false:bad packet', 'ipmitool:power-state:true'])
  await chain.close()
  assert.equal(a.closed + b.closed, 2)
})

test('after a fallback the provider that answered is tried first', async () => {
  let nativeTries = 0
  const chain = new BmcChain([
    stub('native', async () => { nativeTries++; throw new BmcError('timeout', 'no answer') }),
    stub('ipmitool', async () => 'on'),
  ], {name: 'ipmi'})
  assert.equal(await chain.powerState(), 'on')
  assert.equal(await chain.powerState(), 'on')
  assert.equal(nativeTries, 1)
  assert.equal(chain.lastAnsweredBy, 'ipmitool')
})

test('a provider that hangs is cut off by the per-provider timeout', async () => {
  const kinds: string[] = []
  const chain = new BmcChain([stub('native', never), stub('ipmitool', async () => 'off')], {
    name: 'ipmi', timeoutMs: 50, onAttempt: (_p, _c, ok, err) => kinds.push(ok ? 'ok' : (err as BmcError).kind),
  })
  assert.equal(await chain.powerState(), 'off')
  assert.deepEqual(kinds, ['timeout', 'ok'])
})

test('providers without the capability are skipped; none capable → unsupported', async () => {
  const noPower = stub('infoOnly', async () => 'on', ['info'])
  const chain = new BmcChain([noPower, stub('second', async () => 'on')], {name: 'x'})
  assert.equal(await chain.powerState(), 'on')
  assert.equal(chain.lastAnsweredBy, 'second')
  const empty = new BmcChain([noPower], {name: 'x'})
  await assert.rejects(empty.powerState(), (e: unknown) => e instanceof BmcError && e.kind === 'unsupported')
})

test('all failing: one error naming every provider, most telling kind wins', async () => {
  const chain = new BmcChain([
    stub('native', async () => { throw new BmcError('timeout', 'no answer') }),
    stub('ipmitool', async () => { throw new BmcError('auth', 'RAKP 2 HMAC is invalid') }),
  ], {name: 'ipmi'})
  await assert.rejects(chain.powerState(), (e: unknown) => {
    assert.ok(e instanceof BmcError)
    assert.equal(e.kind, 'auth')
    assert.match(e.message, /native: no answer; ipmitool: RAKP 2 HMAC is invalid/)
    return true
  })
  assert.equal(chain.lastAnsweredBy, undefined)
})

test('a cancelled caller stops the chain without trying further providers', async () => {
  const tried: string[] = []
  const ctl = new AbortController()
  const chain = new BmcChain([
    stub('native', (s) => { tried.push('native'); setTimeout(() => ctl.abort(), 10); return never(s) }),
    stub('ipmitool', async () => { tried.push('ipmitool'); return 'on' }),
  ], {name: 'ipmi', timeoutMs: 5000})
  await assert.rejects(chain.powerState(ctl.signal))
  assert.deepEqual(tried, ['native'])
})

test('createBmc fake driver: separate providers share one machine by address', async () => {
  resetFakeBmcs()
  const spec = {driver: 'fake' as const, address: 'rack1-n1', username: 'u', password: {value: 'p'}}
  const one = await createBmc(spec, {label: 'n1'})
  await one.setPower('on')
  await one.close()
  const two = await createBmc(spec, {label: 'n1'})
  assert.equal(await two.powerState(), 'on')
  assert.equal(two.lastAnsweredBy, 'fake')
  assert.equal(two.name, 'fake')
  await two.close()
  assert.equal(fakeBmcState('rack1-n1').openSessions, 0)
})

test('createBmc resolves the password source and reports a missing env var', async () => {
  resetFakeBmcs()
  fakeBmcState('n2').credentials = {username: 'admin', password: 'from-env'}
  const bmc = await createBmc({driver: 'fake', address: 'n2', username: 'admin', password: {env: 'X_PW'}}, {label: 'n2', env: {X_PW: 'from-env'}})
  assert.ok(bmc.providers[0] instanceof FakeProvider)
  await bmc.close()
  await assert.rejects(createBmc({driver: 'fake', address: 'n2', username: 'admin', password: {env: 'X_PW'}}, {label: 'n2', env: {}}), /n2: BMC password env var X_PW/)
  await assert.rejects(createBmc({driver: 'fake', address: 'n2', username: 'admin', password: {value: 'wrong'}}, {label: 'n2'}), (e: unknown) => e instanceof BmcError && e.kind === 'auth')
})

test('createBmc ipmitool driver builds an ipmitool chain with the spec port and suite', async () => {
  const seen: string[][] = []
  const bmc = await createBmc({driver: 'ipmitool', address: '192.0.2.20', port: 6231, username: 'admin', password: {value: 'pw'}, cipherSuite: 17}, {
    label: 'n3',
    ipmitoolExecutor: async (argv) => { seen.push(argv); return {stdout: 'Chassis Power is off', stderr: '', exitCode: 0} },
  })
  assert.equal(await bmc.powerState(), 'off')
  assert.equal(bmc.lastAnsweredBy, 'ipmitool')
  assert.deepEqual(bmc.providers.map((p) => p.name), ['ipmitool'])
  const argv = seen[0]
  assert.equal(argv[argv.indexOf('-p') + 1], '6231')
  assert.equal(argv[argv.indexOf('-C') + 1], '17')
})
