import {test} from 'node:test'
import assert from 'node:assert/strict'
import {createServer} from 'node:net'
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {silentLogger} from '../../../src/log.js'
import {coerceParams} from '../../../src/runner/params.js'
import {modules} from '../../../src/tasks/index.js'
import {shlexSplit} from '../../../src/tasks/command.js'
import type {TaskResult} from '../../../src/tasks/types.js'
import {tempDir} from '../../support/env.js'

const dir = tempDir('bmpctl-tasks-')

/** Runs a module as the runner would: params validated and defaulted first. */
function run(name: string, args: Record<string, unknown>, extra: {vars?: Record<string, unknown>; check?: boolean; signal?: AbortSignal} = {}): Promise<TaskResult> {
  const mod = modules[name]
  return mod.run({params: coerceParams(mod, args), host: 'h1', vars: extra.vars ?? {}, check: !!extra.check, signal: extra.signal ?? new AbortController().signal,
    log: silentLogger, services: {}, progress: () => {}})
}

test('command runs argv without a shell and reports rc/stdout/stderr', async () => {
  const r = await run('command', {cmd: 'printf "%s|%s" "a b" c'})
  assert.equal(r.rc, 0)
  assert.equal(r.stdout, 'a b|c')
  assert.deepEqual(r.stdout_lines, ['a b|c'])
  assert.equal(r.changed, true)
  const f = await run('command', {argv: ['sh', '-c', 'echo oops >&2; exit 4']})
  assert.equal(f.failed, true)
  assert.equal(f.rc, 4)
  assert.equal(f.stderr, 'oops')
  assert.equal(f.msg, 'non-zero return code')
})

test('command: missing program, chdir, stdin, creates/removes', async () => {
  const missing = await run('command', {cmd: 'no-such-program-xyz'})
  assert.equal(missing.failed, true)
  assert.equal(missing.rc, 2)
  assert.equal((await run('command', {cmd: 'pwd', chdir: dir})).stdout, dir)
  assert.equal((await run('command', {cmd: 'cat', stdin: 'in'})).stdout, 'in')
  const marker = join(dir, 'marker')
  writeFileSync(marker, '')
  const skipped = await run('command', {cmd: 'rm marker', chdir: dir, creates: 'marker'})
  assert.equal(skipped.changed, false)
  assert.ok(existsSync(marker))
  const ran = await run('command', {cmd: 'rm marker', chdir: dir, removes: 'marker'})
  assert.equal(ran.changed, true)
  assert.ok(!existsSync(marker))
})

test('shell runs through /bin/sh with pipes', async () => {
  const r = await run('shell', {cmd: 'echo a b | wc -w'})
  assert.equal(String(r.stdout).trim(), '2')
  assert.equal((await run('shell', {cmd: 'exit 3'})).rc, 3)
})

test('shlexSplit follows shell quoting', () => {
  assert.deepEqual(shlexSplit(`a 'b c' "d \\"e\\"" f\\ g`), ['a', 'b c', 'd "e"', 'f g'])
  assert.throws(() => shlexSplit(`a 'b`), /unbalanced/)
})

test('wait_for: port open, port closed, drained, timeout', async () => {
  const server = createServer((s) => { s.on('error', () => {}); s.end('HELLO banner\n') })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as {port: number}).port
  try {
    assert.equal((await run('wait_for', {port, timeout: 2})).failed, undefined)
    const banner = await run('wait_for', {port, search_regex: 'HELLO', timeout: 2})
    assert.equal(banner.failed, undefined)
    const closed = await run('wait_for', {port, state: 'stopped', timeout: 0.3, sleep: 0.1})
    assert.equal(closed.failed, true)
    assert.match(String(closed.msg), new RegExp(`Timeout when waiting for 127.0.0.1:${port}`))
    assert.equal((await run('wait_for', {port, state: 'drained', timeout: 2})).failed, undefined)
  } finally {
    await new Promise((r) => server.close(r))
  }
  assert.equal((await run('wait_for', {port, state: 'stopped', timeout: 2})).failed, undefined)
})

test('wait_for: file appears with content', async () => {
  const file = join(dir, 'later')
  setTimeout(() => writeFileSync(file, 'state=ready\n'), 150)
  const r = await run('wait_for', {path: file, search_regex: 'ready', timeout: 3, sleep: 0.05})
  assert.equal(r.failed, undefined)
  assert.equal((await run('wait_for', {path: join(dir, 'never'), timeout: 0.2, sleep: 0.05})).failed, true)
})

test('pause waits and stops early on cancel', async () => {
  const ac = new AbortController()
  setTimeout(() => ac.abort(), 50)
  const t0 = Date.now()
  const r = await run('pause', {minutes: 1}, {signal: ac.signal})
  assert.ok(Date.now() - t0 < 5000)
  assert.equal(r.changed, false)
})

test('debug, set_fact, assert, fail', async () => {
  assert.equal((await run('debug', {})).msg, 'Hello world!')
  assert.deepEqual((await run('debug', {var: 'x.y'}, {vars: {x: {y: [1]}}}))['x.y'], [1])
  assert.equal((await run('debug', {var: 'nope'}))['nope'], 'VARIABLE IS NOT DEFINED!')
  assert.deepEqual((await run('set_fact', {a: 1, cacheable: 'yes'})).facts, {a: 1})
  assert.equal((await run('set_fact', {'bad-name': 1})).failed, true)
  assert.equal((await run('assert', {that: ['x > 1', 'x < 3'], success_msg: 'fine'}, {vars: {x: 2}})).msg, 'fine')
  const a = await run('assert', {that: 'x > 5', msg: 'too small'}, {vars: {x: 2}})
  assert.equal(a.failed, true)
  assert.equal(a.msg, 'too small')
  assert.equal((await run('fail', {})).msg, 'Failed as requested from task')
})

test('coerceParams: Ansible-style coercion, defaults, choices, aliases', () => {
  const mod = modules.wait_for
  assert.deepEqual(coerceParams(mod, {port: '22', timeout: '5'}).port, 22)
  assert.equal(coerceParams(mod, {}).state, 'started')
  assert.throws(() => coerceParams(mod, {state: 'gone'}), /state: "gone" is not one of/)
  assert.throws(() => coerceParams(mod, {port: 'x'}), /port: "x" is not an integer/)
  assert.equal(coerceParams(modules.assert, {that: 'a', msg: 'm'}).fail_msg, 'm')
  assert.equal(coerceParams(modules.command, {cmd: 'ls', stdin_add_newline: 'no'}).stdin_add_newline, false)
})
