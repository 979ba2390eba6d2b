import {test, describe} from 'node:test'
import assert from 'node:assert/strict'
import type {IncomingMessage} from 'node:http'
import {compilePattern, Router} from '../../../src/servers/http/router.js'
import {notModified, parseRange, relativeFromUrlPath} from '../../../src/servers/http/static.js'
import {bearerToken} from '../../../src/servers/http/routes.js'

describe('router', () => {
  const r = new Router()
  const a = () => {}, b = () => {}, c = () => {}
  r.add('GET', '/boot/:mac.ipxe', a)
  r.add('post', '/v1/callback', b)
  r.add('GET', /^\/images\/(?<name>[^/]+)$/, c)

  test('string patterns capture named segments, decoded', () => {
    assert.deepEqual(r.match('GET', '/boot/52%3A54%3A00%3A00%3A00%3A01.ipxe'), {handler: a, params: {mac: '52:54:00:00:00:01'}})
    assert.equal(r.match('GET', '/boot/x/y.ipxe'), undefined)
    assert.equal(compilePattern('/a.b').test('/aXb'), false)
  })
  test('RegExp patterns and HEAD → GET fallback', () => {
    assert.deepEqual(r.match('HEAD', '/images/disk.raw'), {handler: c, params: {name: 'disk.raw'}})
  })
  test('other methods on a known path report what is allowed', () => {
    assert.deepEqual(r.match('GET', '/v1/callback'), {allowed: ['POST']})
  })
})

describe('Range parsing (RFC 9110 §14)', () => {
  const cases: [string | undefined, ReturnType<typeof parseRange>][] = [
    [undefined, {kind: 'none'}],
    ['bytes=0-99', {kind: 'range', start: 0, end: 99}],
    ['bytes=100-', {kind: 'range', start: 100, end: 999}],
    ['bytes=-100', {kind: 'range', start: 900, end: 999}],
    ['bytes=-5000', {kind: 'range', start: 0, end: 999}],
    ['bytes=900-5000', {kind: 'range', start: 900, end: 999}],
    ['bytes=1000-', {kind: 'unsatisfiable'}],
    ['bytes=-0', {kind: 'unsatisfiable'}],
    ['bytes=5-3', {kind: 'none'}],
    ['bytes=0-1,5-6', {kind: 'none'}],
    ['items=0-1', {kind: 'none'}],
  ]
  for (const [h, want] of cases) test(String(h), () => assert.deepEqual(parseRange(h, 1000), want))
})

describe('validators and paths', () => {
  const req = (headers: Record<string, string>) => ({headers}) as unknown as IncomingMessage
  const mtime = new Date('2024-01-01T00:00:00Z')
  test('If-None-Match wins; If-Modified-Since compares whole seconds', () => {
    assert.equal(notModified(req({'if-none-match': '"a", "b"'}), '"b"', mtime), true)
    assert.equal(notModified(req({'if-none-match': '"a"', 'if-modified-since': mtime.toUTCString()}), '"b"', mtime), false)
    assert.equal(notModified(req({'if-modified-since': mtime.toUTCString()}), '"b"', mtime), true)
    assert.equal(notModified(req({'if-modified-since': new Date(mtime.getTime() - 1000).toUTCString()}), '"b"', mtime), false)
  })
  test('URL paths are decoded before the containment check', () => {
    assert.equal(relativeFromUrlPath('/images/a%20b.raw'), 'images/a b.raw')
    assert.equal(relativeFromUrlPath('/%2e%2e/etc/passwd'), undefined)
    assert.equal(relativeFromUrlPath('/a%2f..%2f..%2fx'), undefined)
    assert.equal(relativeFromUrlPath('/%zz'), undefined)
  })
  test('bearer tokens', () => {
    assert.equal(bearerToken('Bearer abc.def'), 'abc.def')
    assert.equal(bearerToken('Basic abc'), undefined)
    assert.equal(bearerToken(undefined), undefined)
  })
})
