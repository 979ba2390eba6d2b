import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {describe, test} from 'node:test'
import {readCpio, writeCpio, type CpioEntry} from '../../../src/liveos/cpio.js'
import {hasCommand} from '../../support/env.js'

const entries: CpioEntry[] = [
  {type: 'file', path: '/init', mode: 0o755, data: Buffer.from('#!/bin/sh\necho hi\n')},
  {type: 'symlink', path: 'bin/sh', target: 'busybox'},
  {type: 'dir', path: 'bin'},
  {type: 'file', path: 'bin/busybox', mode: 0o755, data: Buffer.from([0, 1, 2, 3, 4])},
  {type: 'char', path: 'dev/console', major: 5, minor: 1},
  {type: 'dir', path: 'dev'},
]

describe('newc cpio writer', () => {
  test('round-trips entries sorted by path with uid/gid 0 and mtime 0', () => {
    const recs = readCpio(writeCpio(entries))
    assert.deepEqual(recs.map((r) => r.path), ['bin', 'bin/busybox', 'bin/sh', 'dev', 'dev/console', 'init'])
    assert.ok(recs.every((r) => r.uid === 0 && r.gid === 0 && r.mtime === 0))
    const byPath = Object.fromEntries(recs.map((r) => [r.path, r]))
    assert.equal(byPath['init'].mode, 0o100755)
    assert.equal(byPath['init'].data.toString(), '#!/bin/sh\necho hi\n')
    assert.equal(byPath['bin/sh'].mode & 0o170000, 0o120000)
    assert.equal(byPath['bin/sh'].data.toString(), 'busybox')
    assert.deepEqual(byPath['dev/console'].rdev, [5, 1])
    assert.equal(byPath['dev'].mode, 0o040755)
  })

  test('the same entries in another order give identical bytes', () => {
    assert.deepEqual(writeCpio(entries), writeCpio([...entries].reverse()))
  })

  test('rejects duplicate and escaping paths', () => {
    assert.throws(() => writeCpio([{type: 'dir', path: 'a'}, {type: 'dir', path: '/a/'}]), /duplicate cpio entry: a/)
    assert.throws(() => writeCpio([{type: 'dir', path: '../etc'}]), /bad cpio path/)
  })

  test('GNU cpio reads our archive (names, link target, contents)', {skip: hasCommand('cpio') ? false : 'cpio not installed'}, () => {
    const archive = writeCpio(entries)
    const list = execFileSync('cpio', ['-it', '--quiet'], {input: archive, encoding: 'utf8'})
    assert.deepEqual(list.trim().split('\n'), ['bin', 'bin/busybox', 'bin/sh', 'dev', 'dev/console', 'init'])
    const verbose = execFileSync('cpio', ['-itv', '--quiet'], {input: archive, encoding: 'utf8'})
    assert.match(verbose, /bin\/sh -> busybox/)
    assert.match(verbose, /^crw------- .* 5, +1 .*dev\/console$/m)
    const init = execFileSync('cpio', ['-i', '--quiet', '--to-stdout', 'init'], {input: archive, encoding: 'utf8'})
    assert.equal(init, '#!/bin/sh\necho hi\n')
  })
})
