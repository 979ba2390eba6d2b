import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {InputError} from '../../../src/errors.js'
import {formatVbmcList, listVbmcs, stopVbmc} from '../../../src/services/vbmc.js'
import {checkVbmcName, isOurDaemon, listRecords, readRecord, removeRecord, writeRecord, type VbmcRecord} from '../../../src/testenv/vbmc/registry.js'
import {tempDir} from '../../support/env.js'

const rec = (name: string, pid: number): VbmcRecord => ({
  name, pid, protocol: 'ipmi', bind: '127.0.0.1', ipmiPort: 6230, username: 'admin', machine: 'fake', started: '2026-01-01T00:00:00.000Z', log: `/tmp/${name}.log`,
})

/** A fake /proc with one process whose argv we choose. */
function procWith(pid: number, argv: string[]): string {
  const root = tempDir('bmpctl-proc-')
  mkdirSync(join(root, String(pid)))
  writeFileSync(join(root, String(pid), 'cmdline'), argv.join('\0') + '\0')
  return root
}

describe('vbmc registry', () => {
  test('write, read, list in name order, remove', () => {
    const dir = tempDir()
    writeRecord(dir, rec('b', 2))
    writeRecord(dir, rec('a', 1))
    assert.deepEqual(readRecord(dir, 'a'), rec('a', 1))
    assert.deepEqual(listRecords(dir).map((r) => r.name), ['a', 'b'])
    removeRecord(dir, 'a')
    assert.equal(readRecord(dir, 'a'), undefined)
    assert.deepEqual(listRecords(tempDir()), [])
  })

  test('a PID is ours only when its command line runs our entry with this name', () => {
    const ours = procWith(4242, ['/usr/bin/node', '/x/dist/testenv/vbmc/vbmc-daemon.js', 'lab1'])
    assert.equal(isOurDaemon(4242, 'lab1', ours), true)
    assert.equal(isOurDaemon(4242, 'lab2', ours), false, 'another vBMC name')
    assert.equal(isOurDaemon(4243, 'lab1', ours), false, 'no such process')
    const recycled = procWith(4242, ['/usr/bin/sleep', 'lab1'])
    assert.equal(isOurDaemon(4242, 'lab1', recycled), false, 'a recycled PID running something else')
  })

  test('names must be plain', () => {
    for (const bad of ['../x', 'a b', '', '-x']) assert.throws(() => checkVbmcName(bad), InputError, bad)
    checkVbmcName('node-1.lab_2')
  })

  test('stop never signals a PID that runs something else; the stale record is removed', async () => {
    const dir = tempDir()
    const child = spawn('sleep', ['30'], {stdio: 'ignore'})
    try {
      writeRecord(dir, rec('lab1', child.pid!))
      assert.deepEqual(listVbmcs(dir).map((r) => r.status), ['dead'])
      assert.match(formatVbmcList(listVbmcs(dir)), /lab1\s+dead/)
      const r = await stopVbmc(dir, 'lab1')
      assert.deepEqual([r.stopped, r.pid], [false, child.pid])
      assert.equal(child.exitCode, null)
      assert.equal(child.signalCode, null, 'sleep was not signalled')
      assert.ok(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').startsWith('sleep'))
      assert.equal(readRecord(dir, 'lab1'), undefined)
      await assert.rejects(stopVbmc(dir, 'lab1'), (e) => e instanceof InputError && /no vBMC named "lab1"/.test(e.message))
    } finally {
      child.kill()
    }
  })
})
