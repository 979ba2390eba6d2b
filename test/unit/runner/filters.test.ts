import {test} from 'node:test'
import assert from 'node:assert/strict'
import {evaluate} from '../../../src/runner/template.js'

const cases: [string, unknown][] = [
  ["'' | default('e', true)", 'e'],
  ["none | d('x')", null],
  ["[1, 2] | join(',')", '1,2'],
  ["'abc' | length", 3],
  ["'AbC' | lower ~ ('x' | upper)", 'abcX'],
  ["'7' | int + '1.5' | float", 8.5],
  ["'yes' | bool", true],
  ["1 | string", '1'],
  ["'a-b-c' | regex_replace('-(\\\\w)', '_\\\\1')", 'a_b_c'],
  ["'v1.2' | regex_search('(\\\\d+)\\\\.(\\\\d+)', '\\\\2')", ['2']],
  ["{'a': [1]} | to_json", '{"a":[1]}'],
  ["'{\"a\": 1}' | from_json", {a: 1}],
  ["{'a': 1} | to_yaml", 'a: 1\n'],
  ["{'a': 1} | dict2items", [{key: 'a', value: 1}]],
  ["[{'key': 'k', 'value': 2}] | items2dict", {k: 2}],
  ["[{'n': 'a'}, {'m': 1}] | selectattr('n', 'defined') | list", [{n: 'a'}]],
  ["[{'n': 'a'}, {'n': 'b'}] | rejectattr('n', 'equalto', 'a') | list", [{n: 'b'}]],
  ["['ab', 'cd'] | select('match', 'a') | list", ['ab']],
  ["['ab', 'cd'] | reject('search', 'd') | list", ['ab']],
  ["['a', 'b'] | map('upper') | list", ['A', 'B']],
  ["[3, 1] | first + ([3, 1] | last)", 4],
  ["[1, 1, 2] | unique", [1, 2]],
  ["[{'x': 2}, {'x': 1}] | sort(attribute='x') | map(attribute='x') | list", [1, 2]],
  ["'hi' | b64encode", 'aGk='],
  ["'aGk=' | b64decode", 'hi'],
  ["'hi' | hash('md5')", '49f68a5c8493ec2c0bf489821c21fc3b'],
  ["{'a': {'b': 1}} | combine({'a': {'c': 2}}, recursive=true)", {a: {b: 1, c: 2}}],
  ["false | ternary('y', 'n')", 'n'],
  ["'/x/y.txt' | basename ~ ':' ~ ('/x/y.txt' | dirname)", 'y.txt:/x'],
  ["'  t ' | trim", 't'],
  ["'aaa' | replace('a', 'b')", 'bbb'],
  ["'a b  c' | split", ['a', 'b', 'c']],
  ["'ab' | list", ['a', 'b']],
  ["[2, 5, 1] | min + ([2, 5, 1] | max) + ([2, 5, 1] | sum)", 14],
  ["[1, 2] | zip([3, 4]) | list", [[1, 3], [2, 4]]],
  ["[1, [2, [3]]] | flatten(1)", [1, 2, [3]]],
  ["[1, 2, 3] | difference([2]) + ([1, 2] | union([3])) + ([1, 2] | intersect([2, 9]))", [1, 3, 1, 2, 3, 2]],
  ["{'failed': true} is failed and {'changed': true} is changed and {} is succeeded and {'skipped': true} is skipped", true],
  ["[1] | count", 1],
]

for (const [expr, want] of cases) {
  test(`filter: ${expr}`, () => assert.deepEqual(evaluate(expr, {}), want))
}

test('filters reject undefined input except default/mandatory', () => {
  assert.throws(() => evaluate('nope | upper', {}), /'nope' is undefined/)
  assert.throws(() => evaluate("'x' | hash('crc99')", {}), /unsupported hash type/)
})
