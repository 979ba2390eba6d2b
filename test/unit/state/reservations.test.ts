import {describe, test, after} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, type ChildProcess} from 'node:child_process'
import {once} from 'node:events'
import {fileURLToPath} from 'node:url'
import {openStore, ReservationError} from '../../../src/state/store.js'
import {tempDir} from '../../support/env.js'
import {freshStore} from './fixtures.js'

const childScript = fileURLToPath(new URL('./reserve-child.ts', import.meta.url))
const children = new Set<ChildProcess>()
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
})

/** Starts a child that reserves `node`; resolves once it printed its first line. */
async function childReserve(dir: string, node: string, mode: 'hold' | 'exit'): Promise<{child: ChildProcess; line: string}> {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, dir, node, mode], {stdio: ['ignore', 'pipe', 'inherit']})
  children.add(child)
  let out = ''
  child.stdout!.setEncoding('utf8')
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: string) => {
      out += d
      if (out.includes('\n')) resolve(out.split('\n')[0])
    })
    child.on('close', (code) => reject(new Error(`child exited ${code} before reserving; output: ${out}`)))
  })
  return {child, line}
}

describe('reservations', () => {
  test('re-entrant within a process; released when the last holder releases', () => {
    const {store} = freshStore()
    const a = store.reserve('n1', 'deploy')
    const b = store.reserve('n1', 'nested task')
    assert.equal(a.pid, process.pid)
    assert.equal(b.purpose, 'deploy', 'the re-entrant call sees the original holder')
    b.release()
    assert.equal(store.reservation('n1')?.pid, process.pid, 'still held by the outer reservation')
    a.release()
    assert.equal(store.reservation('n1'), undefined)
    store.close()
  })

  test('close() releases what the store holds', () => {
    const {store, dir} = freshStore()
    store.reserve('n1', 'deploy')
    store.close()
    const again = openStore(dir)
    assert.equal(again.reservation('n1'), undefined)
    again.close()
  })

  test('a live holder in another process blocks; after kill -9 we take over and record it', async () => {
    const {store} = freshStore()
    const dir = store.path.replace(/\/state\.db$/, '')
    const {child, line} = await childReserve(dir, 'n1', 'hold')
    assert.equal(line, 'reserved')
    const held = store.reservation('n1')
    assert.equal(held?.pid, child.pid)

    assert.throws(() => store.reserve('n1', 'deploy'), (e: unknown) => {
      assert.ok(e instanceof ReservationError)
      assert.equal(e.exitCode, 1)
      assert.match(e.message, new RegExp(`pid ${child.pid} on \\S+ since \\S+ \\(test hold\\)`))
      assert.equal(e.holder.host, held?.host)
      return true
    })

    child.kill('SIGKILL')
    await once(child, 'exit')
    const mine = store.reserve('n1', 'deploy')
    assert.equal(mine.pid, process.pid)
    const takeovers = store.events('n1', {kinds: ['reservation.takeover']})
    assert.equal(takeovers.length, 1)
    assert.equal(takeovers[0].data?.oldPid, child.pid)
    assert.match(takeovers[0].message, new RegExp(`dead pid ${child.pid}`))
    mine.release()
    store.close()
  })

  test('a child that reserves and exits normally leaves no reservation behind', async () => {
    const {store} = freshStore()
    const dir = store.path.replace(/\/state\.db$/, '')
    const {child, line} = await childReserve(dir, 'n2', 'exit')
    assert.equal(line, 'reserved')
    if (child.exitCode === null) await once(child, 'exit')
    assert.equal(child.exitCode, 0)
    assert.equal(store.reservation('n2'), undefined)
    store.close()
  })

  test('two processes creating the same fresh store at once both succeed', async () => {
    const dir = tempDir('bmpctl-state-race-')
    const results = await Promise.all([childReserve(dir, 'a', 'exit'), childReserve(dir, 'b', 'exit'), childReserve(dir, 'c', 'exit')])
    assert.deepEqual(results.map((r) => r.line), ['reserved', 'reserved', 'reserved'])
    for (const {child} of results) if (child.exitCode === null) await once(child, 'exit')
    assert.deepEqual(results.map((r) => r.child.exitCode), [0, 0, 0])
    const store = openStore(dir)
    assert.deepEqual(['a', 'b', 'c'].map((n) => store.reservation(n)), [undefined, undefined, undefined])
    store.close()
  })
})
