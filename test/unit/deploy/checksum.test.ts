import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {findInChecksumsFile, imageFileName, parseChecksumSpec} from '../../../src/deploy/checksum.js'

const H256 = 'a'.repeat(64)
const H512 = 'b'.repeat(128)

describe('parseChecksumSpec', () => {
  const cases: [string, unknown][] = [
    [`sha256:${H256}`, {kind: 'digest', checksum: {algo: 'sha256', hex: H256}}],
    [`SHA512:${H512.toUpperCase()}`, {kind: 'digest', checksum: {algo: 'sha512', hex: H512}}],
    [H256, {kind: 'digest', checksum: {algo: 'sha256', hex: H256}}],
    [H512, {kind: 'digest', checksum: {algo: 'sha512', hex: H512}}],
    ['http://192.0.2.1/images/SHA256SUMS', {kind: 'url', url: 'http://192.0.2.1/images/SHA256SUMS'}],
  ]
  for (const [input, want] of cases) test(input.slice(0, 24), () => assert.deepEqual(parseChecksumSpec(input), want))

  test('rejects a length that fits no algorithm, naming the input', () => {
    assert.throws(() => parseChecksumSpec('abc123'), /"abc123".*6 hex digits/)
  })
  test('rejects an algorithm whose length does not match', () => {
    assert.throws(() => parseChecksumSpec(`sha512:${H256}`), /64 hex digits/)
  })
  test('rejects garbage', () => assert.throws(() => parseChecksumSpec('md5:zz'), /not sha256/))
})

describe('findInChecksumsFile', () => {
  const file = [
    '# generated',
    `${'c'.repeat(64)}  other.img`,
    `${H256} *disk.raw`,
    `SHA512 (disk.qcow2) = ${H512}`,
    `${'d'.repeat(64)}  ./sub/nested.img`,
  ].join('\n')
  test('GNU binary-mode line', () => assert.deepEqual(findInChecksumsFile(file, 'disk.raw'), {algo: 'sha256', hex: H256}))
  test('BSD line', () => assert.deepEqual(findInChecksumsFile(file, 'disk.qcow2'), {algo: 'sha512', hex: H512}))
  test('path prefix ignored', () => assert.equal(findInChecksumsFile(file, 'nested.img')?.hex, 'd'.repeat(64)))
  test('absent name', () => assert.equal(findInChecksumsFile(file, 'missing.img'), undefined))
})

test('imageFileName decodes the last path segment', () => {
  assert.equal(imageFileName('http://192.0.2.1:8080/images/my%20disk.raw.gz?x=1'), 'my disk.raw.gz')
})
