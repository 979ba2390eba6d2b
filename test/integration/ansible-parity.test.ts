/**
 * Parity with ansible-playbook (the oracle): every semantics-suite playbook runs under both
 * runners against the same three hosts (Ansible on the local connection); per-host PLAY RECAP
 * counts and overall success must agree.
 */
import {describe, test, before} from 'node:test'
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {loadPlaybook, runPlaybook} from '../../src/runner/index.js'
import type {Counts} from '../../src/runner/types.js'
import {needsCommands, tempDir} from '../support/env.js'
import {ansibleInventory, path, suite, suiteInventory, type SuiteCase} from '../playbooks/suite.js'

const skip = needsCommands('ansible-playbook', '/usr/bin/python3')
const RECAP = /^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)/gm

function parseRecap(stdout: string): Record<string, Counts> {
  const out: Record<string, Counts> = {}
  for (const m of stdout.matchAll(RECAP)) {
    const [ok, changed, unreachable, failed, skipped, rescued, ignored] = m.slice(2).map(Number)
    out[m[1]] = {ok, changed, unreachable, failed, skipped, rescued, ignored}
  }
  return out
}

function ansible(dir: string, c: SuiteCase): Promise<{code: number; stdout: string; stderr: string}> {
  const args = ['-i', join(dir, 'inventory.ini'), path(c)]
  if (c.extraVars) args.push('-e', JSON.stringify(c.extraVars))
  if (c.tags) args.push('--tags', c.tags.join(','))
  if (c.skipTags) args.push('--skip-tags', c.skipTags.join(','))
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(dir, 'home'), LANG: 'C.UTF-8',
    ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'), ANSIBLE_REMOTE_TEMP: join(dir, 'rtmp'), ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_NOCOWS: '1', ANSIBLE_NOCOLOR: '1', ANSIBLE_STDOUT_CALLBACK: 'default', ANSIBLE_DEPRECATION_WARNINGS: '0',
    ANSIBLE_LOCALHOST_WARNING: '0', ANSIBLE_HOST_KEY_CHECKING: '0', ANSIBLE_CONFIG: join(dir, 'none.cfg'), ANSIBLE_FORKS: '5',
  }
  return new Promise((resolve) => {
    execFile('ansible-playbook', args, {env, maxBuffer: 32 << 20, timeout: 120_000}, (err, stdout, stderr) => {
      resolve({code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr})
    })
  })
}

describe('parity with ansible-playbook on the semantics suite', {skip}, () => {
  let dir = ''
  before(() => {
    dir = tempDir('bmpctl-parity-')
    for (const d of ['home', 'tmp', 'rtmp']) mkdirSync(join(dir, d))
    writeFileSync(join(dir, 'inventory.ini'), ansibleInventory('/usr/bin/python3'))
  })

  for (const c of suite) {
    test(c.file, async () => {
      const ours = await runPlaybook(await loadPlaybook(path(c)), {
        inventory: suiteInventory(), extraVars: c.extraVars, tags: c.tags, skipTags: c.skipTags, forks: 5,
      })
      const theirs = await ansible(dir, c)
      const recap = parseRecap(theirs.stdout)
      assert.ok(Object.keys(recap).length, `ansible-playbook printed no recap (exit ${theirs.code}):\n${theirs.stdout}\n${theirs.stderr}`)
      assert.deepEqual(ours.recap, recap, `recaps differ for ${c.file}; ansible output:\n${theirs.stdout}`)
      assert.equal(ours.ok, theirs.code === 0, `success differs: ours ${ours.ok}, ansible exit ${theirs.code}`)
      assert.equal(ours.ok, !c.failed?.length)
    })
  }
})
