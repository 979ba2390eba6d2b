/**
 * The whole job, as the README's demo runs it, against real qemu VMs behind virtual
 * IPMI BMCs in a lab namespace: testenv up → install → serve → enroll (BMC checks) →
 * deploy 2 nodes in parallel → log into each guest → undeploy one → testenv down.
 * Needs root and qemu; a few minutes under TCG.
 */
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {needsCommands, needsRoot, skipUnless, tempDir} from '../support/env.js'
import {LabCli} from '../support/lab-cli.js'

describe('end to end in a virtual lab: deploy 2 BIOS VMs, log in, undeploy one', {
  skip: skipUnless(needsRoot(), needsCommands('qemu-system-x86_64', 'ip', 'ssh', 'ipmitool', 'curl')),
  timeout: 20 * 60_000,
}, () => {
  const lab = new LabCli(`e2e${process.pid % 10000}`, tempDir('bmpctl-e2e-'))
  let labNodes: {name: string; ipv4: string}[] = []

  before(() => lab.start(['--nodes', '2']))
  after(() => lab.cleanup())

  test('enroll checks both BMCs through the virtual lab and makes the nodes available', () => {
    const rows = lab.json<{node: string; result: string; bmc: {ok?: boolean; answeredBy?: string}; state: string}[]>(['enroll', lab.inventory], {inLab: true})
    assert.deepEqual(rows.map((r) => [r.node, r.result, r.bmc.ok, r.bmc.answeredBy, r.state]),
      [['lab-0', 'added', true, 'ipmi', 'available'], ['lab-1', 'added', true, 'ipmi', 'available']])
  })

  test('deploy both nodes in parallel; both end active', () => {
    const out = lab.ok(['deploy', '--forks', '2', '--timeout', '8m', '--json'], {inLab: true, timeoutMs: 15 * 60_000})
    for (const line of out.trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), `--json stdout holds only JSON lines: ${line}`)
    const list = lab.json<{name: string; state: string}[]>(['nodes', 'list'], {inLab: true})
    assert.deepEqual(list.map((n) => [n.name, n.state]), [['lab-0', 'active'], ['lab-1', 'active']])
    labNodes = lab.json<{nodes: {name: string; ipv4: string}[]}>(['testenv', 'status', '--name', lab.lab]).nodes
  })

  test('each guest has the hostname, static address and key from its config drive', () => {
    const pub = readFileSync(`${lab.operatorKey}.pub`, 'utf8').trim()
    assert.equal(labNodes.length, 2)
    for (const n of labNodes) {
      const out = lab.guestSsh(n.ipv4.split('/')[0], 'hostname; ip -4 -o addr show scope global; cat /root/.ssh/authorized_keys')
      const [hostname, ...rest] = out.trim().split('\n')
      assert.equal(hostname, n.name)
      assert.match(rest.join('\n'), new RegExp(`inet ${n.ipv4.replace(/\./g, '\\.')} `))
      assert.ok(rest.includes(pub), `authorized_keys holds the lab key: ${out}`)
    }
  })

  test('undeploy one node: it is wiped, powered off and available again', () => {
    lab.ok(['undeploy', 'lab-1', '--timeout', '8m'], {inLab: true, timeoutMs: 12 * 60_000})
    assert.equal(lab.json<{state: string}>(['nodes', 'show', 'lab-1'], {inLab: true}).state, 'available')
    const power = lab.json<{node: string; state?: string}[]>(['power', 'status', 'lab-1'], {inLab: true})
    assert.deepEqual(power.map((p) => [p.node, p.state]), [['lab-1', 'off']])
    assert.equal(lab.json<{state: string}>(['nodes', 'show', 'lab-0'], {inLab: true}).state, 'active', 'the other node is untouched')
  })

  test('testenv down leaves no namespace, tap, qemu or BMC daemon behind (and twice is fine)', () => lab.downAndCheck())
})
