import assert from 'node:assert/strict'
import {InputError, type Problem} from '../../../src/errors.js'
import {parseInventory} from '../../../src/inventory/load.js'

/** Parses text expecting failure; returns the problems of the InputError. */
export function problemsOf(text: string, source = 'inv.yaml'): Problem[] {
  try {
    parseInventory(text, source)
  } catch (err) {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`)
    return err.problems
  }
  assert.fail('expected the inventory to be rejected')
}

/** The one problem at `path` (fails when there is not exactly one). */
export function problemAt(problems: Problem[], path: string): Problem {
  const hits = problems.filter((p) => p.path === path)
  assert.equal(hits.length, 1, `expected one problem at ${path}, got: ${JSON.stringify(problems, null, 1)}`)
  return hits[0]
}

/** [line, col] of the first `needle` on 1-based line `line` of `text`, to state expected positions. */
export function at(text: string, line: number, needle: string): [number, number] {
  const col = text.split('\n')[line - 1]?.indexOf(needle) ?? -1
  assert.ok(col >= 0, `fixture: "${needle}" not on line ${line}`)
  return [line, col + 1]
}

/** Asserts a problem at `path` with [line, col], a message matching `msg` and a hint matching `hint`. */
export function assertProblem(problems: Problem[], path: string, where: [number, number], msg: RegExp, hint?: RegExp): void {
  const p = problemAt(problems, path)
  assert.deepEqual([p.pos?.line, p.pos?.col], where, `position of ${path}`)
  assert.match(p.message, msg)
  if (hint) assert.match(p.hint ?? '', hint)
}

/** A minimal valid bmpctl node block, indented under `nodes:`. */
export function node(name: string, mac: string, bmc: string): string {
  return `  ${name}:\n    bmc: {address: ${bmc}, username: u, password: p}\n    nics: [{mac: "${mac}"}]\n`
}
