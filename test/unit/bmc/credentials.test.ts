import {test} from 'node:test'
import assert from 'node:assert/strict'
import {writeFileSync, chmodSync} from 'node:fs'
import {join} from 'node:path'
import {resolvePassword} from '../../../src/bmc/credentials.js'
import {EnvironmentError} from '../../../src/errors.js'
import {tempDir} from '../../support/env.js'

test('literal, env and file sources resolve', async () => {
  const dir = tempDir()
  const file = join(dir, 'pw')
  writeFileSync(file, 's3cr3t \n')
  assert.equal(await resolvePassword({value: 'lit'}, 'node1'), 'lit')
  assert.equal(await resolvePassword({env: 'BMC_PW'}, 'node1', {BMC_PW: 'from-env'}), 'from-env')
  // One trailing newline goes, other whitespace is part of the password.
  assert.equal(await resolvePassword({file}, 'node1'), 's3cr3t ')
  writeFileSync(file, 'two\n\n')
  assert.equal(await resolvePassword({file}, 'node1'), 'two\n')
  assert.equal(await resolvePassword(undefined, 'node1'), '')
})

test('missing env var names the node and the variable', async () => {
  await assert.rejects(resolvePassword({env: 'NOPE_PW'}, 'rack1-n3', {}), (err: unknown) => {
    assert.ok(err instanceof EnvironmentError)
    assert.match(err.message, /rack1-n3/)
    assert.match(err.message, /NOPE_PW/)
    return true
  })
})

test('unreadable file names the node and the file, never a value', async () => {
  const dir = tempDir()
  const missing = join(dir, 'absent')
  await assert.rejects(resolvePassword({file: missing}, 'n7'), (err: unknown) => {
    assert.ok(err instanceof EnvironmentError)
    assert.match(err.message, /n7/)
    assert.ok(err.message.includes(missing))
    assert.match(err.message, /ENOENT/)
    return true
  })
  const dirAsFile = dir
  await assert.rejects(resolvePassword({file: dirAsFile}, 'n7'), /EISDIR/)
  if (process.getuid?.() !== 0) {
    const locked = join(dir, 'locked')
    writeFileSync(locked, 'x')
    chmodSync(locked, 0)
    await assert.rejects(resolvePassword({file: locked}, 'n7'), /EACCES/)
  }
})
