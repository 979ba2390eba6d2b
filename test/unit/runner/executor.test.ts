import {test} from 'node:test'
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {loadPlaybook, runPlaybook} from '../../../src/runner/index.js'
import {simpleInventory} from '../../../src/runner/inventory-adapter.js'
import {modules as builtin} from '../../../src/tasks/index.js'
import type {TaskModule} from '../../../src/tasks/types.js'
import type {RunEvent, RunOptions} from '../../../src/runner/types.js'
import {tempDir} from '../../support/env.js'

const dir = tempDir('bmpctl-exec-')
let n = 0
const hosts = (k: number) => simpleInventory(Object.fromEntries(Array.from({length: k}, (_, i) => [`n${i + 1}`, {idx: i + 1}])))

/** A module that records concurrency, can fail, throw (unreachable) or hang, and takes a secret. */
function probeModule(state: {running: number; peak: number; calls: string[]}): TaskModule {
  return {
    name: 'probe', description: 'test probe', supportsCheckMode: false,
    params: {mode: {type: 'str', default: 'ok', choices: ['ok', 'fail', 'throw', 'unreachable', 'hang', 'change']}, ms: {type: 'int', default: 5}, token: {type: 'str', secret: true}},
    async run({params, host, signal, progress}) {
      state.calls.push(host)
      state.running++
      state.peak = Math.max(state.peak, state.running)
      try {
        progress('working', {step: 1})
        if (params.mode === 'hang') await new Promise((_r, rej) => signal.addEventListener('abort', () => rej(new Error('aborted'))))
        await new Promise((r) => setTimeout(r, params.ms as number))
        if (params.mode === 'throw') throw new Error('module bug')
        if (params.mode === 'unreachable') throw Object.assign(new Error('no route to host'), {unreachable: true})
        if (params.mode === 'fail') return {changed: false, failed: true, msg: `bad token ${String(params.token)}`}
        return {changed: params.mode === 'change', msg: `token ${String(params.token)}`}
      } finally {
        state.running--
      }
    },
  }
}

async function run(yaml: string, opts: Partial<RunOptions> & {k?: number} = {}) {
  const state = {running: 0, peak: 0, calls: [] as string[]}
  const file = join(dir, `p${n++}.yaml`)
  writeFileSync(file, yaml)
  const pb = await loadPlaybook(file, {...builtin, probe: probeModule(state)})
  const events: RunEvent[] = []
  const result = await runPlaybook(pb, {inventory: hosts(opts.k ?? 3), onEvent: (e) => events.push(e), ...opts})
  return {result, events, state}
}
const play = (extra: string, tasks: string) => `- hosts: all\n  gather_facts: false\n${extra}  tasks:\n${tasks}`

test('forks bound concurrency under the free strategy', async () => {
  const {state, result} = await run(play('  strategy: free\n', '    - probe: {ms: 20}\n    - probe: {ms: 5}\n'), {k: 12, forks: 3})
  assert.equal(state.peak, 3)
  assert.equal(state.calls.length, 24)
  assert.equal(result.ok, true)
})

test('linear keeps hosts in lockstep; free lets a fast host run ahead', async () => {
  const tasks = '    - probe: {ms: "{{ 60 if idx == 1 else 1 }}"}\n    - probe: {ms: 1}\n'
  const linear = await run(play('', tasks), {k: 3, forks: 3})
  // Under linear, n1's slow first task holds everyone before task 2.
  assert.deepEqual(linear.state.calls.slice(0, 3).sort(), ['n1', 'n2', 'n3'])
  const free = await run(play('  strategy: free\n', tasks), {k: 3, forks: 3})
  assert.deepEqual(free.state.calls.slice(3, 5).sort(), ['n2', 'n3'])
  assert.equal(free.state.calls[5], 'n1')
})

test('any_errors_fatal stops every host after the failing task', async () => {
  const {result, state} = await run(play('  any_errors_fatal: true\n', '    - probe: {mode: "{{ \'fail\' if idx == 2 else \'ok\' }}"}\n    - probe: {}\n'))
  assert.equal(state.calls.length, 3)
  assert.deepEqual(result.failedHosts, ['n2'])
  assert.equal(result.ok, false)
})

test('a thrown error marks the host failed; an unreachable error marks it unreachable', async () => {
  const {result, events} = await run(play('', '    - probe: {mode: "{{ \'throw\' if idx == 1 else (\'unreachable\' if idx == 2 else \'ok\') }}"}\n    - debug: msg=after\n'))
  assert.deepEqual(result.failedHosts, ['n1'])
  assert.deepEqual(result.unreachableHosts, ['n2'])
  assert.equal(result.recap.n2.unreachable, 1)
  assert.equal(result.recap.n3.ok, 2)
  const fail = events.find((e) => e.type === 'host_result' && e.host === 'n1')
  assert.ok(fail?.type === 'host_result' && fail.msg === 'module bug')
})

test('check mode skips modules without check support and sets ansible_check_mode', async () => {
  const {result, state} = await run(play('', '    - probe: {}\n    - assert: {that: ansible_check_mode}\n'), {check: true})
  assert.equal(state.calls.length, 0)
  assert.equal(result.recap.n1.skipped, 1)
  assert.equal(result.ok, true)
})

test('run_once runs on one host and shares the registered value', async () => {
  const {result, state} = await run(play('', '    - probe: {}\n      run_once: true\n      register: once\n    - assert: {that: "once.msg is match(\'token\')"}\n'))
  assert.equal(state.calls.length, 1)
  assert.equal(result.recap.n1.ok, 2)
  assert.equal(result.recap.n2.ok, 1)
  assert.equal(result.ok, true)
})

test('secret params never reach events; no_log hides results', async () => {
  const {events} = await run(play('', '    - probe: {mode: fail, token: s3cr3t-value}\n      ignore_errors: true\n    - probe: {token: other-secret}\n      no_log: true\n'), {k: 1})
  const text = JSON.stringify(events)
  assert.ok(!text.includes('s3cr3t-value'), text)
  assert.ok(!text.includes('other-secret'), text)
  assert.ok(text.includes('bad token ********'))
  assert.ok(text.includes("no_log: true"))
})

test('progress from a module is an event naming host and task', async () => {
  const {events} = await run(play('', '    - name: step\n      probe: {}\n'), {k: 1})
  assert.deepEqual(events.filter((e) => e.type === 'progress'), [{type: 'progress', task: 'step', host: 'n1', message: 'working', data: {step: 1}}])
})

test('task timeout fails the task; cancellation stops the run cleanly with a recap', async () => {
  const t = await run(play('', '    - probe: {mode: hang}\n      timeout: 0.05\n'), {k: 1})
  assert.deepEqual(t.result.failedHosts, ['n1'])
  const ac = new AbortController()
  setTimeout(() => ac.abort(), 50)
  const c = await run(play('', '    - probe: {mode: hang}\n    - debug: msg=never\n'), {k: 2, signal: ac.signal})
  assert.equal(c.result.cancelled, true)
  assert.equal(c.result.ok, false)
  assert.equal(c.result.recap.n1.failed, 0)
  assert.ok(c.events.at(-1)?.type === 'recap')
})

test('an undefined variable fails the task naming the variable and the task position', async () => {
  const {events, result} = await run(play('', '    - debug:\n        msg: "{{ nope }}"\n'), {k: 1})
  const r = events.find((e) => e.type === 'host_result')
  assert.ok(r?.type === 'host_result')
  assert.match(r.msg ?? '', /'nope' is undefined \(task at .*p\d+\.yaml:4:7\)/)
  assert.equal(result.ok, false)
})

test('params are coerced like Ansible and bad values fail with the parameter name', async () => {
  const good = await run(play('', '    - wait_for: {timeout: "1", delay: "0", path: /, state: present}\n'), {k: 1})
  assert.equal(good.result.ok, true)
  const bad = await run(play('', '    - wait_for: {timeout: soon, path: /}\n'), {k: 1})
  const r = bad.events.find((e) => e.type === 'host_result')
  assert.ok(r?.type === 'host_result' && /parameter timeout: "soon" is not a number/.test(r.msg ?? ''), JSON.stringify(r))
})

test('limit and tags select hosts and tasks', async () => {
  const {result, state} = await run(play('', '    - probe: {}\n      tags: x\n    - probe: {}\n      tags: [y]\n'), {limit: 'n2', tags: ['y']})
  assert.deepEqual(Object.keys(result.recap), ['n2'])
  assert.deepEqual(state.calls, ['n2'])
})
