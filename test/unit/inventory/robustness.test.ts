import {test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import fc from 'fast-check'
import {InputError} from '../../../src/errors.js'
import {parseInventory} from '../../../src/inventory/load.js'

/** Either an inventory or an InputError: never a crash from malformed input. */
function outcome(text: string, source: string): 'ok' | 'input-error' {
  try {
    parseInventory(text, source)
    return 'ok'
  } catch (err) {
    if (err instanceof InputError) {
      assert.ok(err.problems.length > 0, 'an InputError lists its problems')
      return 'input-error'
    }
    throw err
  }
}

const examples: [string, string][] = [
  ['inventories/example.yaml', readFileSync('inventories/example.yaml', 'utf8')],
  ['inventories/bifrost.json', readFileSync('inventories/bifrost.json', 'utf8')],
  ['inventories/nodes.csv', readFileSync('inventories/nodes.csv', 'utf8')],
]

test('examples with a line dropped or a span replaced never crash the loader', () => {
  for (const [source, text] of examples) {
    assert.equal(outcome(text, source), 'ok')
    fc.assert(
      fc.property(fc.nat(), fc.nat({max: 40}), fc.string({maxLength: 12}), (start, len, junk) => {
        const i = start % text.length
        outcome(text.slice(0, i) + junk + text.slice(i + len), source)
      }),
      {numRuns: 300},
    )
  }
})

test('arbitrary text never crashes the loader', () => {
  fc.assert(fc.property(fc.string({maxLength: 200}), fc.constantFrom('x.yaml', 'x.json', 'x.csv', 'x'), (text, source) => void outcome(text, source)), {numRuns: 500})
})
