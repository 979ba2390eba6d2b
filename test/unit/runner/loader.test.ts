import {test} from 'node:test'
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {InputError} from '../../../src/errors.js'
import {loadPlaybook} from '../../../src/runner/index.js'
import {tempDir} from '../../support/env.js'

const dir = tempDir('bmpctl-loader-')
async function problems(name: string, text: string): Promise<string[]> {
  const file = join(dir, name)
  writeFileSync(file, text)
  const err = await loadPlaybook(file).then(() => undefined, (e: unknown) => e)
  assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`)
  return err.problems.map((p) => `${p.pos?.line}:${p.pos?.col} ${p.message}${p.hint ? ` (${p.hint})` : ''}`)
}

test('YAML syntax errors carry line and column', async () => {
  const p = await problems('syntax.yaml', '- hosts: all\n  tasks:\n    - debug: {msg: "x"\n')
  assert.match(p[0], /^\d+:\d+ YAML syntax error/)
})

test('unknown module gets a did-you-mean at the key position', async () => {
  const p = await problems('mod.yaml', '- hosts: all\n  tasks:\n    - name: x\n      debgu: msg=hi\n')
  assert.deepEqual(p, ['4:7 unknown module or task keyword "debgu" (did you mean "debug"?)'])
})

test('unknown task keyword, bad params and unknown play keys are all reported at once', async () => {
  const p = await problems('many.yaml', [
    '- hosts: all',
    '  strategy: lineer',
    '  taskz: []',
    '  tasks:',
    '    - debug: msg=hi',
    '      whn: true',
    '    - command: ls',
    '      args: {chdirr: /tmp}',
    '    - set_fact: {}',
    '    - fail: {mesage: x}',
  ].join('\n'))
  assert.ok(p.some((s) => s.startsWith('2:13 unknown strategy "lineer"') && s.includes('did you mean "linear"?')), p.join('\n'))
  assert.ok(p.some((s) => s.startsWith('3:3 unknown play keyword "taskz"') && s.includes('"tasks"')), p.join('\n'))
  assert.ok(p.some((s) => s.startsWith('6:7 unknown task keyword "whn"') && s.includes('"when"')), p.join('\n'))
  assert.ok(p.some((s) => s.includes('unsupported parameter "chdirr" for module command') && s.includes('did you mean "chdir"?')), p.join('\n'))
  assert.ok(p.some((s) => s.startsWith('10:13 unsupported parameter "mesage" for module fail')), p.join('\n'))
})

test('a required parameter missing is a load error', async () => {
  const p = await problems('req.yaml', '- hosts: all\n  tasks:\n    - assert: {fail_msg: x}\n')
  assert.deepEqual(p, ['3:15 missing required parameter "that" for module assert'])
})

test('problems inside a literal include_tasks file are found before running', async () => {
  writeFileSync(join(dir, 'bad-tasks.yaml'), '- debug: msg=ok\n- shel: echo\n')
  const p = await problems('inc.yaml', '- hosts: all\n  tasks:\n    - include_tasks: bad-tasks.yaml\n')
  assert.equal(p.length, 1)
  assert.match(p[0], /^2:3 unknown module or task keyword "shel" \(did you mean "shell"\?\)/)
})

test('a valid playbook loads with free-form args parsed and names normalised', async () => {
  const file = join(dir, 'ok.yaml')
  writeFileSync(file, [
    '- name: site',
    '  hosts: web:&db',
    '  serial: [1, "50%"]',
    '  tasks:',
    '    - ansible.builtin.command: ls -l chdir=/tmp',
    '      tags: a,b',
    '    - meta: flush_handlers',
    '  handlers:',
    '    - name: h',
    '      debug: msg=x',
    '      listen: topic',
  ].join('\n'))
  const pb = await loadPlaybook(file)
  const play = pb.plays[0]
  assert.equal(play.hosts, 'web:&db')
  assert.deepEqual(play.serial, [1, '50%'])
  const task = play.tasks[0]
  assert.equal(task.kind, 'task')
  if (task.kind !== 'task') return
  assert.equal(task.module, 'command')
  assert.deepEqual(task.args, {chdir: '/tmp', cmd: 'ls -l'})
  assert.deepEqual(task.tags, ['a', 'b'])
  assert.equal(task.pos.line, 5)
  assert.deepEqual(play.handlers[0].listen, ['topic'])
})
