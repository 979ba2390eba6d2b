import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {InputError} from '../../../src/errors.js'
import {parseInventory} from '../../../src/inventory/load.js'
import {closest, didYouMean, levenshtein} from '../../../src/inventory/suggest.js'
import {assertProblem, at, node, problemsOf} from './helpers.js'

const lines = (...l: string[]) => l.join('\n') + '\n'

describe('inventory validation across nodes', () => {
  test('duplicate MACs across nodes name the other node', () => {
    const text = lines('nodes:', node('a', '52:54:00:00:00:01', '192.0.2.5').trimEnd(), node('b', '52-54-00-00-00-01', '192.0.2.6').trimEnd())
    assertProblem(problemsOf(text), 'nodes.b.nics[0].mac', at(text, 7, '"52-54'), /MAC 52:54:00:00:00:01 is also used by node "a" \(line 4:/)
  })

  test('duplicate BMC address+port: the IPMI default port equals an explicit 623', () => {
    const text = lines(
      'nodes:',
      '  a: {bmc: {address: 192.0.2.5, username: u, password: p}}',
      '  b: {bmc: {address: 192.0.2.5, port: 623, username: u, password: p}}',
      '  c: {bmc: {address: 192.0.2.5, port: 6230, username: u, password: p}}',
    )
    const problems = problemsOf(text)
    assertProblem(problems, 'nodes.b.bmc.address', at(text, 3, '192.0.2.5'), /BMC 192\.0\.2\.5 port 623 is also used by node "a"/)
    assert.equal(problems.length, 1)
  })

  test('one Redfish BMC may serve several systems (distinct system ids)', () => {
    const rf = (n: string, id: string) => `  ${n}: {bmc: {driver: redfish, address: 192.0.2.9, system_id: "${id}", username: u, password: p}}`
    const inv = parseInventory(lines('nodes:', rf('a', '1'), rf('b', '2')), 'i.yaml')
    assert.equal(inv.nodes.size, 2)
    assert.equal(problemsOf(lines('nodes:', rf('a', '1'), rf('b', '1'))).length, 1)
  })

  test('node names with host-pattern characters are rejected', () => {
    const text = lines('nodes:', '  "web:1": {bmc: {driver: fake}}')
    assertProblem(problemsOf(text), 'nodes.web:1', at(text, 2, '"web'), /characters host patterns use/)
  })

  test('every problem is reported at once, in file order, and nothing is returned', () => {
    const text = lines(
      'defaults:',
      '  bmc: {usrname: admin}',
      'nodes:',
      '  a:',
      '    bmc: {driver: ipmi, address: 192.0.2.5, username: u, password: s3cret-value}',
      '    nics: [{mac: "52:54:00:00:00:01"}, {mac: "nope"}]',
      '  b:',
      '    bmc: {driver: redfsh, address: 192.0.2.6, username: u, password_env: "1BAD"}',
      '    nics: [{mac: "52:54:00:00:00:01"}]',
      '    network: {ipv4: {address: 192.0.2.20/40}}',
      '    imag: {url: http://192.0.2.1/x.raw}',
    )
    let err: unknown
    try {
      parseInventory(text, 'site.yaml')
    } catch (e) {
      err = e
    }
    assert.ok(err instanceof InputError)
    const paths = err.problems.map((p) => p.path)
    assert.deepEqual(paths, [
      'defaults.bmc.usrname',
      'nodes.a.nics[1].mac',
      'nodes.b.bmc.driver',
      'nodes.b.bmc.password_env',
      'nodes.b.nics[0].mac',
      'nodes.b.network.ipv4.address',
      'nodes.b.imag',
    ])
    assert.match(err.message, /^inventory site\.yaml has 7 problems\n/)
    const col = at(text, 2, 'usrname')[1]
    assert.ok(err.message.includes(`site.yaml:2:${col} defaults.bmc.usrname: unknown key "usrname" in defaults.bmc (hint: did you mean "username"?)`))
    assert.equal(err.exitCode, 2)
    // Secrets never appear in messages.
    assert.doesNotMatch(err.message, /s3cret-value/)
  })

  test('did-you-mean picks plausible typos only', () => {
    assert.equal(levenshtein('kitten', 'sitting'), 3)
    assert.equal(closest('adress', ['address', 'port']), 'address')
    assert.equal(closest('zzzzzz', ['address', 'port']), undefined)
    assert.equal(didYouMean('qq', ['ipmi', 'redfish']), 'expected one of: ipmi, redfish')
  })
})
