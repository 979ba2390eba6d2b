import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {isOurDaemon} from '../../src/testenv/vbmc/registry.js'
import {needsCommands, tempDir} from '../support/env.js'
import {ipmitoolArgs, runIpmitool} from '../support/ipmi-tool.js'
import {bmpctl, cmdline, freeTcpPort, freeUdpPort, until, type CliResult} from '../unit/commands/cli.js'

/**
 * The lab loop through the CLI: `vbmc start` (IPMI + Redfish, fake machine) → `enroll`
 * (driver ipmi and redfish) → `power` / `boot-device` → ipmitool sees the same state →
 * `vbmc stop`. The password must never show up in any command line or JSON.
 */
const PW = 'vbmc-cli-Pw-5521'
const NAME = `vb${process.pid}`
const dir = tempDir('bmpctl-vbmc-')
const data = join(dir, 'data')
const env = {LAB_BMC_PW: PW}
let ipmiPort = 0
let redfishPort = 0
let pid = 0
const outputs: CliResult[] = []

async function cli(args: string[]): Promise<CliResult> {
  const r = await bmpctl([...args, '--data-dir', data], {env})
  outputs.push(r)
  return r
}

/** Every process on the machine whose command line mentions our data dir or vBMC. */
function ourProcesses(): string[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map((p) => cmdline(Number(p))).filter((c) => c.includes(NAME) || c.includes(data))
}

describe('bmpctl vbmc + enroll + power against the background vBMC', {skip: needsCommands('ipmitool')}, () => {
  before(async () => {
    ipmiPort = await freeUdpPort()
    redfishPort = await freeTcpPort()
  })
  after(async () => {
    if (pid && isOurDaemon(pid, NAME)) process.kill(pid, 'SIGKILL')
  })

  test('vbmc start runs a detached daemon; the password is in no command line', async () => {
    const r = await cli(['vbmc start', NAME, '--protocol', 'both', '--port', String(ipmiPort), '--redfish-port', String(redfishPort), '--password-env', 'LAB_BMC_PW', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const rec = JSON.parse(r.stdout) as {pid: number; ipmiPort: number; redfishPort: number; protocol: string}
    pid = rec.pid
    assert.deepEqual([rec.ipmiPort, rec.redfishPort, rec.protocol], [ipmiPort, redfishPort, 'both'])
    assert.ok(isOurDaemon(pid, NAME), cmdline(pid))
    assert.ok(!cmdline(pid).includes(PW))
    assert.ok(!readFileSync(join(data, 'vbmc', `${NAME}.json`), 'utf8').includes(PW), 'password in the registry')
    const list = await cli(['vbmc list', '--json'])
    assert.deepEqual((JSON.parse(list.stdout) as {name: string; status: string}[]).map((x) => [x.name, x.status]), [[NAME, 'running']])
    const again = await cli(['vbmc start', NAME, '--port', String(ipmiPort), '--password-env', 'LAB_BMC_PW'])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /already running/)
  })

  test('enroll over IPMI and Redfish: BMC check ok → available', async () => {
    const inv = join(dir, 'inv.yaml')
    writeFileSync(inv, `nodes:
  lab-ipmi:
    bmc: {driver: ipmi, address: 127.0.0.1, port: ${ipmiPort}, username: admin, password_env: LAB_BMC_PW}
    nics: [{mac: "52:54:00:30:00:01"}]
    groups: [lab]
  lab-redfish:
    bmc: {driver: redfish, address: 127.0.0.1, port: ${redfishPort}, scheme: http, username: admin, password_env: LAB_BMC_PW}
    nics: [{mac: "52:54:00:30:00:02"}]
`)
    const r = await cli(['enroll', inv, '--json'])
    assert.equal(r.code, 0, r.stderr)
    const rows = JSON.parse(r.stdout) as {node: string; bmc: {ok: boolean; answeredBy: string}; state: string}[]
    assert.deepEqual(rows.map((x) => [x.node, x.bmc.ok, x.bmc.answeredBy, x.state]), [['lab-ipmi', true, 'ipmi', 'available'], ['lab-redfish', true, 'redfish', 'available']])
  })

  test('power on --wait, status, and a persistent PXE override — ipmitool sees the same machine', async () => {
    const on = await cli(['power', 'on', 'lab', '--wait', '--timeout', '20s', '--json'])
    assert.equal(on.code, 0, on.stderr)
    assert.deepEqual((JSON.parse(on.stdout) as {state: string; answeredBy: string}[]).map((x) => [x.state, x.answeredBy]), [['on', 'ipmi']])
    const status = await cli(['power', 'status', 'lab-redfish'])
    assert.equal(status.code, 0, status.stderr)
    assert.match(status.stdout, /lab-redfish\s+on\s+ok/, 'Redfish sees the power the IPMI side set: one machine')
    const set = await cli(['boot-device', 'set', 'pxe', 'lab-ipmi', '--persistent'])
    assert.equal(set.code, 0, set.stderr)
    const get = await cli(['boot-device', 'get', 'lab-ipmi', '--json'])
    assert.deepEqual((JSON.parse(get.stdout) as {setting: unknown}[])[0].setting, {device: 'pxe', persistent: true, uefi: false})
    const power = await runIpmitool(ipmitoolArgs(ipmiPort, 'admin', 3, ['power', 'status']), PW)
    assert.match(power.stdout, /Chassis Power is on/, power.stderr)
    const boot = await runIpmitool(ipmitoolArgs(ipmiPort, 'admin', 3, ['chassis', 'bootparam', 'get', '5']), PW)
    assert.match(boot.stdout, /Force PXE/, boot.stderr)
    assert.match(boot.stdout, /all future boots/)
  })

  test('no password in any output or in the command line of anything we started', () => {
    for (const o of outputs) assert.ok(!(o.stdout + o.stderr).includes(PW), o.stdout + o.stderr)
    for (const c of ourProcesses()) assert.ok(!c.includes(PW), c)
  })

  test('vbmc stop ends the daemon; list no longer shows it', async () => {
    const r = await cli(['vbmc stop', NAME])
    assert.equal(r.code, 0, r.stderr)
    assert.ok(await until(() => !isOurDaemon(pid, NAME)), 'daemon still running')
    const list = await cli(['vbmc list', '--json'])
    assert.deepEqual(JSON.parse(list.stdout), [])
    const status = await cli(['power', 'status', 'lab-ipmi', '--bmc-timeout', '3s'])
    assert.equal(status.code, 1, 'the BMC is gone, so power status fails')
  })
})
