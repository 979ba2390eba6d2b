import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {ALL_STATES, TRANSITIONS, IllegalTransitionError, allowedTargets, assertTransition, canTransition} from '../../../src/state/states.js'
import {ProvisionState as S, type ProvisionState} from '../../../src/state/types.js'

const allowed: [ProvisionState, ProvisionState][] = ALL_STATES.flatMap((from) => allowedTargets(from).map((to): [ProvisionState, ProvisionState] => [from, to]))

describe('transition table', () => {
  test('every state has an entry and every transition a doc line', () => {
    for (const s of ALL_STATES) {
      assert.ok(Array.isArray(TRANSITIONS[s]), `no entry for ${s}`)
      for (const t of TRANSITIONS[s]) assert.ok(t.doc.length > 3, `${s} → ${t.to} has no doc`)
    }
  })

  test('the brief\'s transitions are all allowed', () => {
    const expected: [ProvisionState, ProvisionState][] = [
      [S.Enroll, S.Manageable], [S.Enroll, S.Enroll], [S.Manageable, S.Available], [S.Manageable, S.Inspecting],
      [S.Available, S.Deploying], [S.Available, S.Inspecting], [S.Available, S.Manageable],
      [S.Inspecting, S.Manageable], [S.Inspecting, S.Available], [S.Inspecting, S.InspectFailed],
      [S.InspectFailed, S.Inspecting], [S.InspectFailed, S.Manageable],
      [S.Deploying, S.WaitCallback], [S.Deploying, S.Active], [S.Deploying, S.DeployFailed],
      [S.WaitCallback, S.Deploying], [S.WaitCallback, S.DeployFailed],
      [S.DeployFailed, S.Deploying], [S.DeployFailed, S.Undeploying],
      [S.Active, S.Undeploying], [S.Active, S.Deploying],
      [S.Undeploying, S.Cleaning], [S.Undeploying, S.Available], [S.Undeploying, S.CleanFailed],
      [S.Cleaning, S.Available], [S.Cleaning, S.CleanFailed], [S.CleanFailed, S.Cleaning], [S.CleanFailed, S.Undeploying], [S.CleanFailed, S.Manageable],
      [S.Error, S.Manageable], [S.Error, S.Available],
      ...ALL_STATES.filter((s) => s !== S.Error).map((s): [ProvisionState, ProvisionState] => [s, S.Error]),
    ]
    for (const [from, to] of expected) assert.ok(canTransition(from, to), `${from} → ${to} should be allowed`)
    assert.equal(allowed.length, expected.length, 'the table allows exactly the documented transitions')
  })

  for (const [from, to] of allowed) {
    test(`assertTransition allows ${from} → ${to}`, () => assertTransition(from, to))
  }

  const illegal: [ProvisionState, ProvisionState][] = [
    [S.Enroll, S.Deploying], [S.Enroll, S.Available], [S.Manageable, S.Deploying], [S.Available, S.Active],
    [S.DeployFailed, S.Available], [S.Active, S.Available], [S.WaitCallback, S.Active], [S.Error, S.Error],
    [S.Cleaning, S.Deploying], [S.Active, S.Active], [S.InspectFailed, S.Available],
  ]
  for (const [from, to] of illegal) {
    test(`refuses ${from} → ${to}, naming both states and the allowed targets`, () => {
      assert.equal(canTransition(from, to), false)
      assert.throws(() => assertTransition(from, to, 'n1'), (err: unknown) => {
        assert.ok(err instanceof IllegalTransitionError)
        assert.match(err.message, new RegExp(`"${from}" to "${to}"`))
        assert.match(err.message, /^node n1: /)
        for (const t of allowedTargets(from)) assert.ok(err.message.includes(t), `message lists ${t}`)
        assert.equal(err.exitCode, 1)
        return true
      })
    })
  }
})
