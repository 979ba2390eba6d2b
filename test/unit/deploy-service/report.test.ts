import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {fileURLToPath} from 'node:url'
import {loadPlaybook} from '../../../src/runner/index.js'
import {DeployReporter, NodeProgress, formatElapsed, progressDetail, taskOrder} from '../../../src/runner/reporters/deploy.js'
import {RunEmitter} from '../../../src/runner/events.js'
import type {RunEvent} from '../../../src/runner/types.js'
import {formatHardware, formatReport, summarizeHardware, summaryLine, type ActionReport} from '../../../src/services/deploy-report.js'

const plain = (...names: string[]) => names.map((name) => ({name, rescue: false}))
const counts = (failed = 0) => ({ok: 3, changed: 2, unreachable: 0, failed, skipped: 0, rescued: 0, ignored: 0})
const result = (host: string, task: string, status: 'ok' | 'changed' | 'failed' | 'rescued' = 'ok', msg?: string): RunEvent =>
  ({type: 'host_result', task, host, status, ...(msg ? {msg} : {}), result: {}})

describe('formatReport', () => {
  const report: ActionReport = {action: 'deploy', recovered: [], cancelled: false, ok: false, outcomes: [
    {node: 'n1', result: 'ok', state: 'active', durationMs: 125_000},
    {node: 'n2', result: 'failed', state: 'deploy-failed', durationMs: 3_000, reason: 'Write image: checksum\nmismatch'},
  ]}

  test('one row per node with result, state, duration and a one-line reason, then a count', () => {
    const lines = formatReport(report).split('\n')
    assert.match(lines[0], /^NODE\s+RESULT\s+STATE\s+DURATION\s+REASON$/)
    assert.match(lines[1], /^n1\s+active\s+active\s+2m05s$/)
    assert.match(lines[2], /^n2\s+failed\s+deploy-failed\s+0m03s\s+Write image: checksum mismatch$/)
    assert.ok(lines.includes('1 of 2 nodes active, 1 failed'))
  })

  test('the JSON summary is a single line carrying every outcome', () => {
    const line = summaryLine(report)
    assert.ok(!line.includes('\n'))
    const parsed = JSON.parse(line)
    assert.equal(parsed.type, 'summary')
    assert.deepEqual(parsed.outcomes, report.outcomes)
  })

  test('undeploy counts nodes made available', () => {
    assert.match(formatReport({...report, action: 'undeploy', outcomes: [report.outcomes[0]]}), /1 of 1 node available$/m)
  })
})

describe('hardware summary', () => {
  test('CPUs, RAM, disks and NICs from LiveOS facts; nothing without them', () => {
    const s = summarizeHardware({liveos: {cpu: {count: 8, model: 'Xeon'}, memoryMiB: 16384, dmi: {vendor: 'QEMU', product: 'Standard PC'}, bootMode: 'bios',
      disks: [{name: 'sda', sizeBytes: 10 * 1024 ** 3, model: 'QEMU HARDDISK', rotational: true}], nics: [{name: 'eth0', mac: '52:54:00:00:00:01', speedMbps: 1000, carrier: true}]}})
    assert.deepEqual(s, {cpus: '8 × Xeon', ram: '16.0 GiB', disks: ['sda 10.0 GiB hdd QEMU HARDDISK'], nics: ['eth0 52:54:00:00:00:01 1000Mb/s'], system: 'QEMU Standard PC', bootMode: 'bios'})
    assert.match(formatHardware({n1: s!}), /n1:\n {2}system: QEMU Standard PC \(bios\)\n {2}cpus: {3}8 × Xeon/)
    assert.equal(summarizeHardware({}), undefined)
  })
})

describe('NodeProgress', () => {
  test('infers each node\'s stage from the task order (free strategy announces a task once)', () => {
    const p = new NodeProgress(plain('A', 'B', 'C', 'B'))
    p.apply({type: 'play_start', play: 'p', hosts: ['n1', 'n2']})
    assert.equal(p.rows.get('n2')?.stage, 'A')
    p.apply(result('n1', 'A'))
    p.apply(result('n1', 'B'))
    assert.equal(p.rows.get('n1')?.stage, 'C')
    assert.equal(p.rows.get('n2')?.stage, 'A')
    p.apply(result('n1', 'C'))
    p.apply(result('n1', 'B'))
    assert.equal(p.rows.get('n1')?.stage, 'B', 'a repeated name is found after the current position')
  })

  test('a block\'s rescue tasks are next only after a failure', async () => {
    const order = taskOrder(await loadPlaybook(fileURLToPath(new URL('../../fixtures/deploy-cli/fake-deploy.yaml', import.meta.url))))
    assert.deepEqual(order.filter((t) => t.rescue).map((t) => t.name), ['Mark deploy failed', 'Report failure'])
    const p = new NodeProgress(order)
    p.apply({type: 'play_start', play: 'p', hosts: ['ok', 'bad']})
    p.apply(result('ok', 'Deployed', 'changed'))
    assert.equal(p.rows.get('ok')?.stage, 'Deployed', 'the last task of the block stays the stage')
    p.apply(result('bad', 'Check image', 'rescued', 'boom'))
    assert.equal(p.rows.get('bad')?.stage, 'Mark deploy failed')
  })

  test('progress data becomes the detail; a failure freezes the row and keeps the root cause', () => {
    let t = 1000
    const p = new NodeProgress(plain('A', 'B'), () => t)
    p.apply({type: 'play_start', play: 'p', hosts: ['n1']})
    p.apply({type: 'progress', task: 'B', host: 'n1', message: 'image', data: {bytes: 512 * 1024 ** 2, total: 2 * 1024 ** 3}})
    assert.equal(p.rows.get('n1')?.detail, '512.0 MiB / 2.0 GiB 25%')
    t = 5000
    p.apply(result('n1', 'B', 'rescued', 'checksum mismatch'))
    p.apply(result('n1', 'rescue', 'failed', 'deploy failed'))
    const row = p.rows.get('n1')!
    assert.equal(row.status, 'failed')
    assert.equal(row.firstFailure, 'B: checksum mismatch')
    assert.equal(row.lastFailure, 'rescue: deploy failed')
    assert.equal(row.endedAt! - row.startedAt, 4000)
  })

  test('recap settles rows still running', () => {
    const p = new NodeProgress([])
    p.apply({type: 'play_start', play: 'p', hosts: ['n1', 'n2']})
    p.apply({type: 'recap', recap: {n1: counts(), n2: counts(1)}, ok: false, cancelled: false})
    assert.deepEqual([...p.rows.values()].map((r) => r.status), ['ok', 'failed'])
  })
})

describe('progressDetail / formatElapsed', () => {
  test('bytes with and without total, percent alone, nothing', () => {
    assert.equal(progressDetail({bytes: 2048}), '2.0 KiB')
    assert.equal(progressDetail({percent: 42.7}), '42%')
    assert.equal(progressDetail({rate: 5}), undefined)
    assert.equal(progressDetail(undefined), undefined)
  })
  test('elapsed as m:ss and h:mm:ss', () => {
    assert.equal(formatElapsed(59_400), '0m59s')
    assert.equal(formatElapsed(3_725_000), '1h02m05s')
  })
})

describe('DeployReporter', () => {
  test('plain: one line per result and per 10% of progress, skipped tasks left out', () => {
    const out: string[] = []
    const r = new DeployReporter('plain', {order: plain('A', 'B'), write: (s) => out.push(s)})
    const run = new RunEmitter()
    r.attach(run)
    run.emit({type: 'play_start', play: 'p', hosts: ['n1']})
    run.emit(result('n1', 'A', 'changed', 'available → deploying'))
    run.emit({type: 'host_result', task: 'S', host: 'n1', status: 'skipped', result: {}})
    for (const bytes of [0, 10, 11, 25, 100]) run.emit({type: 'progress', task: 'B', host: 'n1', message: 'image', data: {bytes, total: 100}})
    run.emit(result('n1', 'B', 'failed', 'boom'))
    r.close()
    assert.deepEqual(out.join('').trimEnd().split('\n'), [
      '[n1] changed A: available → deploying',
      '[n1] B: 0 B / 100 B 0%',
      '[n1] B: 10 B / 100 B 10%',
      '[n1] B: 25 B / 100 B 25%',
      '[n1] B: 100 B / 100 B 100%',
      '[n1] FAILED B: boom',
    ])
  })

  test('tty: the table is redrawn in place (cursor up over the lines drawn before)', () => {
    const out: string[] = []
    const r = new DeployReporter('tty', {order: plain('A', 'B'), write: (s) => out.push(s), tickMs: 60_000})
    const run = new RunEmitter()
    r.attach(run)
    run.emit({type: 'play_start', play: 'p', hosts: ['n1', 'n2']})
    run.emit({type: 'progress', task: 'B', host: 'n2', message: 'x', data: {percent: 50}})
    r.close()
    const frames = out.filter((s) => s.includes('NODE'))
    assert.ok(frames.length >= 2)
    assert.ok(frames[1].startsWith('\x1b[3A'), 'second frame moves up over header + 2 rows')
    assert.match(frames.at(-1)!, /n2\s+B\s+50%/)
    assert.equal(out.at(-1), '\x1b[?25h', 'cursor shown again')
  })
})
