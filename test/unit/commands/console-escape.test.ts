import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {EscapeParser} from '../../../src/services/console.js'

/** Feeds chunks in order; returns what reached the console and whether it quit. */
function run(...chunks: string[]): {sent: string; quit: boolean} {
  const p = new EscapeParser()
  let sent = ''
  for (const c of chunks) {
    const r = p.feed(Buffer.from(c))
    sent += r.forward.toString()
    if (r.quit) return {sent, quit: true}
  }
  return {sent, quit: false}
}

describe('console ~. escape', () => {
  const cases: [string, string[], string, boolean][] = [
    ['~. at the very start quits', ['~.'], '', true],
    ['~. after Enter quits; earlier bytes are sent', ['ls\r~.'], 'ls\r', true],
    ['~. after a newline quits', ['a\n~.junk'], 'a\n', true],
    ['~. split across reads still quits', ['x\r~', '.'], 'x\r', true],
    ['~ in mid-line is plain text', ['a~.b'], 'a~.b', false],
    ['~~ at line start sends one ~', ['~~.'], '~.', false],
    ['~ then another key sends both', ['~x'], '~x', false],
    ['after ~x the line is not at its start', ['~x~.'], '~x~.', false],
  ]
  for (const [name, chunks, sent, quit] of cases) {
    test(name, () => assert.deepEqual(run(...chunks), {sent, quit}))
  }
})
