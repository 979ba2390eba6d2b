/** The semantics suite: each playbook asserts its own results; shared by our test and the Ansible parity test. */
import {fileURLToPath} from 'node:url'
import {dirname, join} from 'node:path'
import {simpleInventory} from '../../src/runner/inventory-adapter.js'

export const playbooksDir = dirname(fileURLToPath(import.meta.url))

export interface SuiteCase {
  file: string
  extraVars?: Record<string, unknown>
  tags?: string[]
  skipTags?: string[]
  /** Hosts expected to fail (the playbook fails them on purpose). */
  failed?: string[]
}

export const suite: SuiteCase[] = [
  {file: 'when_loop.yaml'},
  {file: 'until.yaml'},
  {file: 'block.yaml'},
  {file: 'handlers.yaml'},
  {file: 'conditions.yaml'},
  {file: 'vars.yaml', extraVars: {pinned: 'extra'}},
  {file: 'serial.yaml'},
  {file: 'tags.yaml', tags: ['deploy'], skipTags: ['slow']},
  {file: 'include.yaml'},
  {file: 'failures.yaml', failed: ['h2']},
  {file: 'wait_pause.yaml'},
]

export const path = (c: SuiteCase) => join(playbooksDir, c.file)

/** Three hosts: h1, h2 in group web; h3 in db; a var at each level. */
export const groupVars = {all: {group_level: 'group'}, web: {web_port: 8080}, db: {}}
export const groupHosts: Record<string, string[]> = {web: ['h1', 'h2'], db: ['h3']}
export const hostNames = ['h1', 'h2', 'h3']

export function suiteInventory() {
  const vars = Object.fromEntries(hostNames.map((h) => {
    const groups = Object.entries(groupHosts).filter(([, hs]) => hs.includes(h)).map(([g]) => g)
    return [h, {...groupVars.all, ...Object.assign({}, ...groups.map((g) => groupVars[g as keyof typeof groupVars])), host_level: `${h}-var`}]
  }))
  return simpleInventory(vars, groupHosts)
}

/** The same inventory in Ansible's INI form, every host on the local connection. */
export function ansibleInventory(python: string): string {
  const lines = ['[all:vars]', 'group_level=group', `ansible_connection=local`, `ansible_python_interpreter=${python}`, '']
  for (const [g, hs] of Object.entries(groupHosts)) {
    lines.push(`[${g}]`, ...hs.map((h) => `${h} host_level=${h}-var`), '')
  }
  lines.push('[web:vars]', 'web_port=8080', '')
  return lines.join('\n')
}
