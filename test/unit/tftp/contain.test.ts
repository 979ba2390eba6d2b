import {test, describe, after} from 'node:test'
import assert from 'node:assert/strict'
import {mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {cleanRelative, openUnderRoot} from '../../../src/servers/tftp/contain.js'

describe('cleanRelative', () => {
  const cases: [string, string | undefined][] = [
    ['pxelinux.0', 'pxelinux.0'],
    ['/pxelinux.0', 'pxelinux.0'],
    ['//boot//x', 'boot/x'],
    ['pxelinux.cfg\\default', 'pxelinux.cfg/default'],
    ['./a/./b', 'a/b'],
    ['a..b', 'a..b'],
    ['../etc/passwd', undefined],
    ['/../etc/passwd', undefined],
    ['a/../../x', undefined],
    ['a/../b', undefined],
    ['..\\x', undefined],
    ['x\0y', undefined],
    ['/', undefined],
  ]
  for (const [input, want] of cases) test(JSON.stringify(input), () => assert.equal(cleanRelative(input), want))
})

describe('openUnderRoot', () => {
  const base = mkdtempSync(join(tmpdir(), 'bmp-contain-'))
  after(() => rmSync(base, {recursive: true, force: true}))
  const root = join(base, 'root')
  mkdirSync(join(root, 'sub'), {recursive: true})
  writeFileSync(join(root, 'sub', 'f'), 'inside')
  writeFileSync(join(base, 'secret'), 'outside')
  symlinkSync(join(base, 'secret'), join(root, 'out'))
  symlinkSync('sub/f', join(root, 'in'))
  symlinkSync(base, join(root, 'outdir'))
  const rootReal = realpathSync(root)

  test('a file under the root opens', async () => {
    const r = await openUnderRoot(rootReal, 'sub/f')
    assert.equal(r.kind, 'file')
    if (r.kind === 'file') { assert.equal(r.stat.size, 6); await r.handle.close() }
  })
  test('a symlink staying inside the root is followed', async () => {
    const r = await openUnderRoot(rootReal, 'in')
    assert.equal(r.kind, 'file')
    if (r.kind === 'file') await r.handle.close()
  })
  test('symlinks out of the root (file or directory) are refused', async () => {
    assert.equal((await openUnderRoot(rootReal, 'out')).kind, 'escape')
    assert.equal((await openUnderRoot(rootReal, 'outdir/secret')).kind, 'escape')
  })
  test('missing files and directories are told apart', async () => {
    assert.equal((await openUnderRoot(rootReal, 'nope')).kind, 'missing')
    assert.equal((await openUnderRoot(rootReal, 'sub')).kind, 'notfile')
  })
})
