import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {tempDir} from '../support/env.js'
import {bmpctl} from '../unit/commands/cli.js'

/** `bmpctl enroll` as a process: exit codes, idempotence, JSON shape, no secrets. */
const PW = 'enroll-cli-Secret-93'

function files() {
  const dir = tempDir('bmpctl-enroll-')
  const good = join(dir, 'good.yaml')
  writeFileSync(good, `defaults:
  bmc: {driver: fake, username: admin, password: ${PW}}
nodes:
  n1:
    bmc: {address: fake-1}
    nics: [{mac: "52:54:00:10:00:01"}]
    groups: [web]
  n2:
    bmc: {address: fake-2}
    nics: [{mac: "52:54:00:10:00:02"}]
`)
  const bad = join(dir, 'bad.yaml')
  writeFileSync(bad, `nodes:
  n1:
    bmc: {driver: fake, address: fake-1}
    nics: [{mac: "52:54:00:10:00:01"}]
  n2:
    bmc: {driver: ipmy, address: 192.0.2.9}
    nics: [{mac: "not-a-mac"}]
`)
  const unset = join(dir, 'unset.yaml')
  writeFileSync(unset, `nodes:
  n3:
    bmc: {driver: fake, address: fake-3, username: admin, password_env: BMPCTL_TEST_UNSET_PW}
    nics: [{mac: "52:54:00:10:00:03"}]
`)
  return {dir, good, bad, unset, data: join(dir, 'data')}
}

describe('bmpctl enroll', () => {
  test('adds and checks nodes (exit 0); the second run reports every node unchanged', async () => {
    const f = files()
    const first = await bmpctl(['enroll', f.good, '--data-dir', f.data, '--json'])
    assert.equal(first.code, 0, first.stderr)
    const rows = JSON.parse(first.stdout) as {node: string; result: string; fields: string[]; bmc: {ok: boolean; answeredBy?: string}; state: string}[]
    assert.deepEqual(rows.map((r) => [r.node, r.result, r.bmc.ok, r.bmc.answeredBy, r.state]), [['n1', 'added', true, 'fake', 'available'], ['n2', 'added', true, 'fake', 'available']])
    const again = await bmpctl(['enroll', f.good, '--data-dir', f.data])
    assert.equal(again.code, 0, again.stderr)
    const lines = again.stdout.trim().split('\n').slice(1)
    assert.equal(lines.length, 2)
    for (const l of lines) assert.match(l, /^n\d\s+unchanged\s+-\s+ok \(fake\)\s+available$/)
    const list = await bmpctl(['nodes list', '--data-dir', f.data, '--json'])
    assert.deepEqual((JSON.parse(list.stdout) as {state: string}[]).map((n) => n.state), ['available', 'available'])
    for (const out of [first, again, list]) assert.ok(!(out.stdout + out.stderr).includes(PW), 'password printed')
  })

  test('a failing BMC check exits 1 and leaves the node in enroll with the reason', async () => {
    const f = files()
    const r = await bmpctl(['enroll', f.unset, '--data-dir', f.data, '--json'], {env: {BMPCTL_TEST_UNSET_PW: undefined}})
    assert.equal(r.code, 1, r.stderr)
    const [row] = JSON.parse(r.stdout) as {bmc: {ok: boolean; error: string}; state: string}[]
    assert.equal(row.bmc.ok, false)
    assert.match(row.bmc.error, /BMPCTL_TEST_UNSET_PW is not set/)
    assert.equal(row.state, 'enroll')
    const show = await bmpctl(['nodes show', 'n3', '--data-dir', f.data, '--json'])
    const node = JSON.parse(show.stdout) as {state: string; lastError: string; events: {kind: string; data?: {ok?: boolean}}[]}
    assert.equal(node.state, 'enroll')
    assert.match(node.lastError, /BMC check failed/)
    assert.ok(node.events.some((e) => e.kind === 'bmc.check' && e.data?.ok === false))
  })

  test('a bad inventory exits 2 naming file:line:col, and nothing is written', async () => {
    const f = files()
    const r = await bmpctl(['enroll', f.bad, '--data-dir', f.data])
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, new RegExp(`${f.bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:6:\\d+`))
    assert.match(r.stderr, /ipmy/)
    assert.match(r.stderr, new RegExp(`bad\\.yaml:7:\\d+`))
    const list = await bmpctl(['nodes list', '--data-dir', f.data, '--json'])
    assert.deepEqual(JSON.parse(list.stdout), [])
  })

  test('--dry-run of the example inventory reports additions, writes nothing and contacts no BMC', async () => {
    const f = files()
    const r = await bmpctl(['enroll', 'inventories/example.yaml', '--dry-run', '--limit', 'compute', '--data-dir', f.data, '--json'])
    assert.equal(r.code, 0, r.stderr)
    const rows = JSON.parse(r.stdout) as {node: string; result: string; bmc: {ok?: boolean}}[]
    assert.deepEqual(rows.map((x) => [x.node, x.result, x.bmc.ok]), [['node-1', 'added', undefined], ['node-2', 'added', undefined]])
    const list = await bmpctl(['nodes list', '--data-dir', f.data, '--json'])
    assert.deepEqual(JSON.parse(list.stdout), [])
  })
})
