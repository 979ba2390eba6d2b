import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {loadPlaybook, runPlaybook} from '../../../src/runner/index.js'
import type {RunEvent} from '../../../src/runner/types.js'
import {path, suite, suiteInventory} from '../../playbooks/suite.js'

describe('semantics suite (each playbook asserts its own results)', () => {
  for (const c of suite) {
    test(c.file, async () => {
      const events: RunEvent[] = []
      const result = await runPlaybook(await loadPlaybook(path(c)), {
        inventory: suiteInventory(), extraVars: c.extraVars, tags: c.tags, skipTags: c.skipTags, forks: 2, onEvent: (e) => events.push(e),
      })
      const failures = events.filter((e) => e.type === 'host_result' && (e.status === 'failed' || e.status === 'unreachable'))
        .map((e) => e.type === 'host_result' ? `${e.host} ${e.task}: ${e.msg} ${JSON.stringify(e.result.assertion ?? '')}` : '')
      assert.deepEqual(result.failedHosts, c.failed ?? [], failures.join('\n'))
      assert.equal(result.ok, !c.failed?.length)
      assert.deepEqual(Object.keys(result.recap), ['h1', 'h2', 'h3'])
    })
  }
})
