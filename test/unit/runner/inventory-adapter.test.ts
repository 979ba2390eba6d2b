import {test} from 'node:test'
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {loadInventory} from '../../../src/inventory/load.js'
import {fromInventory} from '../../../src/runner/inventory-adapter.js'
import {loadPlaybook, runPlaybook} from '../../../src/runner/index.js'
import {tempDir} from '../../support/env.js'

const example = new URL('../../../inventories/example.yaml', import.meta.url).pathname

test('fromInventory exposes hosts, groups, vars and patterns of a real inventory to playbooks', async () => {
  const inv = fromInventory(await loadInventory(example))
  assert.ok(inv.hosts.length >= 2)
  assert.deepEqual(inv.match('all'), inv.hosts)
  const dir = tempDir('bmpctl-adapter-')
  const file = join(dir, 'p.yaml')
  writeFileSync(file, [
    '- hosts: all', '  gather_facts: false', '  tasks:',
    '    - assert:', '        that:', '          - ntp_server is defined', "          - groups['all'] | length == " + inv.hosts.length,
    '          - inventory_hostname in groups.all',
  ].join('\n'))
  const r = await runPlaybook(await loadPlaybook(file), {inventory: inv})
  assert.equal(r.ok, true)
  assert.deepEqual(Object.keys(r.recap).sort(), [...inv.hosts].sort())
})
