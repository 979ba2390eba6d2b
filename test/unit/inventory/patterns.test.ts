import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {InputError} from '../../../src/errors.js'
import {parseInventory} from '../../../src/inventory/load.js'
import {matchHosts, matchHostsDetailed, splitPattern} from '../../../src/inventory/patterns.js'

const node = (n: string, groups: string[] = []) => `  ${n}: {bmc: {driver: fake}, groups: [${groups.join(', ')}]}`
const inv = parseInventory(
  [
    'nodes:',
    node('web-1', ['web']),
    node('web-2', ['web', 'canary']),
    node('db-1', ['db']),
    node('db-2', ['db']),
    node('lone'),
    'groups:',
    '  prod: {children: [web, db]}',
    '  web: {}',
    '  db: {hosts: [db-1]}',
  ].join('\n'),
  'p.yaml',
)

describe('host patterns', () => {
  const cases: [string, string[]][] = [
    ['all', ['web-1', 'web-2', 'db-1', 'db-2', 'lone']],
    ['*', ['web-1', 'web-2', 'db-1', 'db-2', 'lone']],
    ['db-2', ['db-2']],
    ['web', ['web-1', 'web-2']],
    ['prod', ['web-1', 'web-2', 'db-1', 'db-2']],
    ['ungrouped', ['lone']],
    ['web-*', ['web-1', 'web-2']],
    ['db-?', ['db-1', 'db-2']],
    ['web-[!2]', ['web-1']],
    ['db-[12]x', []],
    ['db-[2a]', ['db-2']],
    // Digits-only brackets are Ansible subscripts (end inclusive), not character classes.
    ['web[0]', ['web-1']],
    ['prod[-1]', ['db-2']],
    ['prod[1:2]', ['web-2', 'db-1']],
    ['prod[1:]', ['web-2', 'db-1', 'db-2']],
    ['web-[2]', []],
    ['~(web|db)-1', ['web-1', 'db-1']],
    // Union keeps inventory order whatever order the terms come in.
    ['db:web-1', ['web-1', 'db-1', 'db-2']],
    ['lone,web-2', ['web-2', 'lone']],
    ['prod:&db', ['db-1', 'db-2']],
    ['prod:!canary', ['web-1', 'db-1', 'db-2']],
    // Operators apply after all unions, like Ansible: the exclusion also removes web-2 added later.
    ['!canary:web:lone', ['web-1', 'lone']],
    ['web:db:&canary', ['web-2']],
    // Only & / ! terms start from all.
    ['!web', ['db-1', 'db-2', 'lone']],
    ['&db', ['db-1', 'db-2']],
  ]
  for (const [pattern, want] of cases) {
    test(`${pattern} → ${want.join(',')}`, () => assert.deepEqual(matchHosts(inv, pattern), want))
  }

  test('a glob also matches group names', () => {
    assert.deepEqual(matchHosts(inv, 'can*'), ['web-2'])
  })

  test('terms that match nothing are reported', () => {
    assert.deepEqual(matchHostsDetailed(inv, 'web:nosuch:!gone'), {hosts: ['web-1', 'web-2'], unmatched: ['nosuch', '!gone']})
  })

  test('splitting: commas first, colons outside brackets', () => {
    assert.deepEqual(splitPattern('a:b, c'), ['a:b', 'c'])
    assert.deepEqual(splitPattern('a:&b:!c'), ['a', '&b', '!c'])
    assert.deepEqual(splitPattern('n[1:2]:x'), ['n[1:2]', 'x'])
  })

  test('a bad regex is an input error', () => {
    assert.throws(() => matchHosts(inv, '~web-('), (e) => e instanceof InputError && /invalid host pattern regex/.test(e.message))
  })
})
