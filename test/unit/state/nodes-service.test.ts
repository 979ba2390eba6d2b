import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {InputError} from '../../../src/errors.js'
import {deleteNode, formatNodeDetail, formatNodeList, listNodes, showNode, summarizeFacts} from '../../../src/services/nodes.js'
import {NodeBusyError, openStore, type Store} from '../../../src/state/store.js'
import {ProvisionState as S} from '../../../src/state/types.js'
import {freshStore, nodeSpec} from './fixtures.js'

function seed(store: Store): void {
  store.upsertNode(nodeSpec('node01', {bmc: {driver: 'ipmi', address: '192.0.2.10', port: 6230, username: 'admin', password: {value: 'hunter2-secret'}}}))
  store.upsertNode(nodeSpec('node02', {nics: [{mac: '52:54:00:00:00:02'}], bmc: {driver: 'redfish', address: '192.0.2.11', password: {env: 'RF_PW'}}}))
  for (const s of [S.Manageable, S.Available, S.Deploying]) store.transition('node02', s)
  store.transition('node02', S.DeployFailed, {error: 'no call-back within 1800 s'})
  store.setFacts('node01', {cpus: 4, disks: [{name: 'sda'}, {name: 'sdb'}], system: {vendor: 'QEMU'}})
}

describe('nodes service', () => {
  test('list: redacted BMC, MACs, last error; the table shows them', () => {
    const {store} = freshStore()
    seed(store)
    const rows = listNodes(store)
    assert.deepEqual(rows.map((r) => [r.name, r.state, r.bmc.password, r.macs, r.lastError]), [
      ['node01', 'enroll', '********', ['52:54:00:00:00:01'], undefined],
      ['node02', 'deploy-failed', 'env:RF_PW', ['52:54:00:00:00:02'], 'no call-back within 1800 s'],
    ])
    assert.ok(!JSON.stringify(rows).includes('hunter2'))
    const table = formatNodeList(rows).split('\n')
    assert.match(table[0], /^NAME\s+STATE\s+BMC\s+MACS\s+LAST ERROR$/)
    assert.match(table[1], /^node01\s+enroll\s+ipmi 192\.0\.2\.10:6230\s+52:54:00:00:00:01$/)
    assert.match(table[2], /deploy-failed\s+redfish 192\.0\.2\.11\s+52:54:00:00:00:02\s+no call-back within 1800 s$/)
    assert.match(formatNodeList([]), /no nodes enrolled/)
    store.close()
  })

  test('show: facts summary, newest 20 events in order, no secrets; unknown → did-you-mean', () => {
    const {store} = freshStore()
    seed(store)
    for (let i = 0; i < 25; i++) store.addEvent('node01', 'dhcp.offer', `offer ${i}`)
    const d = showNode(store, 'node01')
    assert.deepEqual(d.factsSummary, {cpus: '4', disks: '2 items', system: '{vendor}'})
    assert.equal(d.events.length, 20)
    assert.equal(d.events.at(-1)?.message, 'offer 24')
    assert.equal(d.events[0].message, 'offer 5')
    assert.ok(!JSON.stringify(d).includes('hunter2'))
    const text = formatNodeDetail(d)
    assert.match(text, /state:\s+enroll/)
    assert.match(text, /disks: 2 items/)
    assert.ok(!text.includes('hunter2'))
    assert.throws(() => showNode(store, 'node1'), (e: unknown) => e instanceof InputError && e.hint === 'did you mean "node01"?')
    store.close()
  })

  test('delete: refused while deploying (exit 1, names the state), allowed when settled', () => {
    const {store} = freshStore()
    seed(store)
    store.transition('node02', S.Deploying)
    assert.throws(() => deleteNode(store, 'node02'), (e: unknown) => e instanceof NodeBusyError && e.exitCode === 1 && e.message.includes('"deploying"'))
    store.transition('node02', S.DeployFailed)
    assert.deepEqual(deleteNode(store, 'node02'), {deleted: 'node02', state: 'deploy-failed'})
    assert.deepEqual(listNodes(store).map((n) => n.name), ['node01'])
    store.close()
  })

  test('summarizeFacts truncates long values', () => {
    assert.equal(summarizeFacts({x: 'a'.repeat(80)}).x.length, 60)
  })
})

const runner = fileURLToPath(new URL('./run-nodes-command.ts', import.meta.url))
function cli(...args: string[]): {code: number | null; stdout: string; stderr: string} {
  const r = spawnSync(process.execPath, ['--import', 'tsx', runner, ...args], {encoding: 'utf8'})
  return {code: r.status, stdout: r.stdout, stderr: r.stderr}
}

describe('nodes commands (exit codes and --json)', () => {
  const {store, dir} = freshStore()
  seed(store)
  store.transition('node02', S.Deploying)
  store.close()

  test('list --json is the redacted array', () => {
    const r = cli('list', '--data-dir', dir, '--json')
    assert.equal(r.code, 0, r.stderr)
    const rows = JSON.parse(r.stdout) as {name: string; bmc: {password?: string}}[]
    assert.deepEqual(rows.map((x) => x.name), ['node01', 'node02'])
    assert.equal(rows[0].bmc.password, '********')
    assert.ok(!r.stdout.includes('hunter2'))
  })

  test('show of an unknown node exits 2 with a did-you-mean', () => {
    const r = cli('show', 'node1', '--data-dir', dir)
    assert.equal(r.code, 2)
    assert.match(r.stderr, /unknown node "node1"/)
    assert.match(r.stderr, /did you mean "node01"/)
  })

  test('delete of a deploying node exits 1 naming the state; a settled one is deleted', () => {
    const busy = cli('delete', 'node02', '--data-dir', dir, '--json')
    assert.equal(busy.code, 1)
    assert.match(JSON.parse(busy.stdout).error.message, /"deploying"/)
    const ok = cli('delete', 'node01', '--data-dir', dir)
    assert.equal(ok.code, 0, ok.stderr)
    const after = openStore(dir)
    assert.deepEqual(after.listNodes().map((n) => n.name), ['node02'])
    after.close()
  })
})
