import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {tempDir} from '../support/env.js'
import {bmpctl} from '../unit/commands/cli.js'

/** `bmpctl power` / `boot-device` as processes over fake BMCs: selection, exit codes, events. */
async function enrolled() {
  const dir = tempDir('bmpctl-power-')
  const inv = join(dir, 'inv.yaml')
  writeFileSync(inv, `nodes:
  p1: {bmc: {driver: fake, address: fp1}, nics: [{mac: "52:54:00:20:00:01"}], groups: [rack]}
  p2: {bmc: {driver: fake, address: fp2}, nics: [{mac: "52:54:00:20:00:02"}], groups: [rack]}
  p3: {bmc: {driver: fake, address: fp3, username: u, password_env: BMPCTL_TEST_UNSET_PW}, nics: [{mac: "52:54:00:20:00:03"}]}
`)
  const data = join(dir, 'data')
  const r = await bmpctl(['enroll', inv, '--data-dir', data, '--skip-bmc-check'])
  assert.equal(r.code, 0, r.stderr)
  return data
}

describe('bmpctl power / boot-device over fake BMCs', () => {
  test('a group pattern selects its nodes; --wait reaches the state; events are recorded', async () => {
    const data = await enrolled()
    const r = await bmpctl(['power', 'on', 'rack', '--wait', '--timeout', '10s', '--data-dir', data, '--json', '--verbose'])
    assert.equal(r.code, 0, r.stderr)
    const rows = JSON.parse(r.stdout) as {node: string; ok: boolean; state: string; answeredBy: string}[]
    assert.deepEqual(rows.map((x) => [x.node, x.ok, x.state, x.answeredBy]), [['p1', true, 'on', 'fake'], ['p2', true, 'on', 'fake']])
    assert.match(r.stderr, /p1: fake power-set ok/)
    const show = await bmpctl(['nodes show', 'p2', '--data-dir', data, '--json'])
    const ev = (JSON.parse(show.stdout) as {events: {kind: string; data: {action: string; answeredBy: string}}[]}).events.filter((e) => e.kind === 'bmc.power')
    assert.deepEqual(ev.map((e) => [e.data.action, e.data.answeredBy]), [['on', 'fake']])
  })

  test('exit 1 when a node fails; exit 2 naming a pattern that matches nothing', async () => {
    const data = await enrolled()
    const failed = await bmpctl(['power', 'status', 'all', '--data-dir', data], {env: {BMPCTL_TEST_UNSET_PW: undefined}})
    assert.equal(failed.code, 1, failed.stderr)
    assert.match(failed.stdout, /p3\s+-\s+FAILED: .*BMPCTL_TEST_UNSET_PW/)
    assert.match(failed.stdout, /p1\s+off\s+ok/)
    const none = await bmpctl(['boot-device', 'set', 'pxe', 'rackk', '--data-dir', data])
    assert.equal(none.code, 2)
    assert.match(none.stderr, /"rackk" matched no enrolled node/)
    assert.match(none.stderr, /did you mean "rack"/)
    const badDevice = await bmpctl(['boot-device', 'set', 'floppy', 'p1', '--data-dir', data])
    assert.equal(badDevice.code, 2)
    assert.match(badDevice.stderr, /unknown device "floppy"/)
  })
})
