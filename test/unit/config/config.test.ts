import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {defaultConfig, parseConfig, parseRange, renderConfig} from '../../../src/config/config.js'
import {InputError} from '../../../src/errors.js'
import {parseCidr} from '../../../src/util/net.js'

const cidr = parseCidr('192.0.2.1/24')!

describe('parseRange', () => {
  test('valid range', () => assert.deepEqual(parseRange('192.0.2.100-192.0.2.199', cidr, '--dhcp-range').range, {start: '192.0.2.100', end: '192.0.2.199'}))
  const bad: [string, RegExp][] = [
    ['10.0.0.1-10.0.0.9', /10\.0\.0\.1 is outside the provisioning subnet 192\.0\.2\.0\/24/],
    ['192.0.2.1-192.0.2.50', /covers the manager's own address 192\.0\.2\.1/],
    ['192.0.2.50-192.0.2.10', /start 192\.0\.2\.50 is after its end/],
    ['192.0.2.200-192.0.2.255', /broadcast/],
    ['lots', /not a range/],
  ]
  for (const [text, re] of bad) {
    test(`refuses ${text}`, () => {
      const r = parseRange(text, cidr, '--dhcp-range')
      assert.equal(r.range, undefined)
      assert.equal(r.problems[0].path, '--dhcp-range')
      assert.match(r.problems.map((p) => p.message).join('; '), re)
    })
  }
})

describe('parseConfig', () => {
  test('round trip of what install writes', () => {
    const cfg = {...defaultConfig('192.0.2.1/24'), interface: 'br0'}
    cfg.dhcp = {...cfg.dhcp, mode: 'dynamic', range: {start: '192.0.2.100', end: '192.0.2.150'}, dns: ['192.0.2.53']}
    assert.deepEqual(parseConfig(renderConfig(cfg), 'config.yaml'), cfg)
  })
  test('every problem reported with file:line:col', () => {
    const text = 'address: 192.0.2.1/24\ndhcp:\n  mode: sometimes\n  rnage: x\nhttp:\n  port: 70000\n'
    try {
      parseConfig(text, '/d/config.yaml')
      assert.fail('expected an error')
    } catch (err) {
      assert.ok(err instanceof InputError)
      const byPath = Object.fromEntries(err.problems.map((p) => [p.path, p]))
      assert.deepEqual(byPath['dhcp.mode'].pos, {file: '/d/config.yaml', line: 3, col: 9})
      assert.deepEqual(byPath['dhcp.rnage'].pos, {file: '/d/config.yaml', line: 4, col: 3})
      assert.deepEqual(byPath['http.port'].pos, {file: '/d/config.yaml', line: 6, col: 9})
      assert.equal(err.problems.length, 3)
    }
  })
  test('dynamic mode without a range is refused', () => {
    assert.throws(() => parseConfig('address: 192.0.2.1/24\ndhcp:\n  mode: dynamic\n', 'c.yaml'), /dynamic mode needs a range/)
  })
  test('bad address', () => assert.throws(() => parseConfig('address: 192.0.2.1\n', 'c.yaml'), /c\.yaml:1:10 address: "192\.0\.2\.1" is not an address in CIDR form/))
})
