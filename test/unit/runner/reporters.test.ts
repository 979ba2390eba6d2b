import {test} from 'node:test'
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {InputError} from '../../../src/errors.js'
import {loadPlaybook, parseExtraVars, runPlaybook} from '../../../src/runner/index.js'
import {simpleInventory} from '../../../src/runner/inventory-adapter.js'
import {JsonReporter} from '../../../src/runner/reporters/json.js'
import {PlainReporter} from '../../../src/runner/reporters/plain.js'
import {tempDir} from '../../support/env.js'

const dir = tempDir('bmpctl-rep-')
const inv = simpleInventory({a: {}, b: {}}, {g: ['b']})

async function runWith(reporter: PlainReporter | JsonReporter) {
  const file = join(dir, 'p.yaml')
  writeFileSync(file, '- name: demo\n  hosts: all\n  tasks:\n    - name: say\n      debug: msg=hi\n    - name: boom\n      fail: msg=bad\n      when: inventory_hostname == "b"\n')
  return runPlaybook(await loadPlaybook(file), {inventory: inv, reporter})
}

test('plain reporter prints Ansible-style lines and the recap', async () => {
  const lines: string[] = []
  const r = await runWith(new PlainReporter((l) => lines.push(...l.split('\n'))))
  assert.equal(r.ok, false)
  assert.ok(lines.some((l) => l.startsWith('PLAY [demo] ***')))
  assert.ok(lines.some((l) => l.startsWith('TASK [say] ***')))
  assert.ok(lines.includes('ok: [a] => hi'))
  assert.ok(lines.includes('skipping: [a]'))
  assert.ok(lines.includes('failed: [b] => bad'))
  assert.ok(lines.includes('b                          : ok=1    changed=0    unreachable=0    failed=1    skipped=0    rescued=0    ignored=0'), lines.join('\n'))
})

test('json reporter writes one event per line', async () => {
  const lines: string[] = []
  await runWith(new JsonReporter((l) => lines.push(l)))
  const events = lines.map((l) => JSON.parse(l) as {type: string})
  assert.deepEqual([...new Set(events.map((e) => e.type))], ['play_start', 'task_start', 'host_result', 'recap'])
  const recap = events.at(-1) as unknown as {recap: Record<string, {failed: number}>; ok: boolean}
  assert.equal(recap.recap.b.failed, 1)
  assert.equal(recap.ok, false)
})

test('extra vars: key=value, JSON, YAML file; bad input names the flag value', () => {
  const file = join(dir, 'ev.yaml')
  writeFileSync(file, 'x: 1\nlist: [a]\n')
  assert.deepEqual(parseExtraVars(['a=1 b="two words"', '{"n": 2}', `@${file}`]), {a: '1', b: 'two words', n: 2, x: 1, list: ['a']})
  assert.throws(() => parseExtraVars(['novalue']), (e: Error) => e instanceof InputError && /-e novalue/.test(e.message))
  assert.throws(() => parseExtraVars(['@/no/such/file.yaml']), /cannot read/)
})

test('simpleInventory patterns: groups, union, intersection, exclusion, globs', () => {
  assert.deepEqual(inv.match('all:!g'), ['a'])
  assert.deepEqual(inv.match('a:g'), ['a', 'b'])
  assert.deepEqual(inv.match('all:&g'), ['b'])
  assert.deepEqual(inv.match('*'), ['a', 'b'])
})
