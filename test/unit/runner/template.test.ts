import {test} from 'node:test'
import assert from 'node:assert/strict'
import {evaluate, renderTemplate, templateValue, condition, UndefinedVariableError} from '../../../src/runner/template.js'

const vars = {n: 3, s: 'Hello', l: [3, 1, 2], d: {a: {b: 1}}, users: [{name: 'a', on: true}, {name: 'b', on: false}], ref: '{{ s }} world', flag: true}

test('renderTemplate renders text with Python-style printing', () => {
  assert.equal(renderTemplate('{{ s | lower }} {{ flag }} {{ l }} {{ none }}', vars), 'hello True [3, 1, 2] None')
  assert.equal(renderTemplate('plain text', {}), 'plain text')
  assert.equal(renderTemplate('{% for x in l | sort %}{{ x }}{% endfor %}', vars), '123')
})

test('evaluate returns native values', () => {
  assert.deepEqual(evaluate('l | sort', vars), [1, 2, 3])
  assert.equal(evaluate('n + 1', vars), 4)
  assert.deepEqual(evaluate("users | selectattr('on') | map(attribute='name') | list", vars), ['a'])
  assert.deepEqual(evaluate("{'a': 1} | combine({'b': 2})", vars), {a: 1, b: 2})
  assert.deepEqual(evaluate('[1] + [2]', vars), [1, 2])
})

test('undefined variables fail naming the variable; defined tests and default do not', () => {
  assert.throws(() => renderTemplate('{{ missing }}', vars), (e: Error) => e instanceof UndefinedVariableError && e.message === "'missing' is undefined")
  assert.throws(() => evaluate('missing == 1', vars), UndefinedVariableError)
  assert.throws(() => renderTemplate('{{ d.a.zz }}', vars), /has no attribute 'zz'/)
  assert.equal(evaluate('missing is defined', vars), false)
  assert.equal(evaluate('missing.deeper is undefined', vars), true)
  assert.equal(evaluate("missing | default('x')", vars), 'x')
  assert.throws(() => evaluate("missing | mandatory('need it')", vars), /need it/)
})

test('lone templates keep ansible-core 2.14 result types', () => {
  assert.equal(templateValue('{{ n }}', vars), 3)
  assert.equal(templateValue('{{ n + 1 }}', vars), '4')
  assert.deepEqual(templateValue('{{ l }}', vars), [3, 1, 2])
  assert.equal(templateValue('{{ flag }}', vars), true)
  assert.equal(templateValue('x {{ n }}', vars), 'x 3')
  assert.deepEqual(templateValue({k: ['{{ s }}']}, vars), {k: ['Hello']})
})

test('variables holding templates resolve lazily', () => {
  assert.equal(renderTemplate('{{ ref }}!', vars), 'Hello world!')
  assert.equal(condition("ref == 'Hello world'", vars), true)
})

test('Python comparison semantics', () => {
  assert.equal(evaluate("'5' == 5", vars), false)
  assert.equal(evaluate('[1, 2] == [1, 2]', vars), true)
  assert.equal(evaluate('1 < n < 5', vars), true)
  assert.equal(evaluate('[1, 2] in [[1, 2]]', vars), true)
})

test('conditions accept bools, bare expressions and {{ }}', () => {
  assert.equal(condition(true, vars), true)
  assert.equal(condition('n > 2', vars), true)
  assert.equal(condition('{{ n > 5 }}', vars), false)
  assert.equal(condition('{{ n }} == 3', vars), true)
  assert.equal(condition('l | length == 0', vars), false)
})
