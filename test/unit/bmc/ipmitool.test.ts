import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {IpmitoolProvider, type ExecResult, type Executor} from '../../../src/bmc/ipmitool.js'
import {classifyFailure, parseBootOptions, parseMcInfo, parsePowerStatus, parseRawBytes} from '../../../src/bmc/ipmitool-output.js'
import {BmcError} from '../../../src/bmc/types.js'

/** Fake ipmitool: answers by the command words after the common options, records every call. */
function fakeExec(answers: Record<string, Partial<ExecResult> | ((n: number) => Partial<ExecResult>)>) {
  const calls: {argv: string[]; env: Record<string, string>}[] = []
  const counts = new Map<string, number>()
  const exec: Executor = async (argv, env) => {
    calls.push({argv, env})
    const cmd = argv.slice(argv.indexOf('-v') + 1).join(' ')
    const n = (counts.get(cmd) ?? 0) + 1
    counts.set(cmd, n)
    const a = answers[cmd]
    if (!a) return {stdout: '', stderr: `unexpected command ${cmd}`, exitCode: 1}
    const r = typeof a === 'function' ? a(n) : a
    return {stdout: '', stderr: '', exitCode: 0, ...r}
  }
  return {exec, calls}
}

const PW = 'hunter2-secret'
const provider = (exec: Executor, extra = {}) =>
  new IpmitoolProvider({address: '192.0.2.10', port: 6230, username: 'admin', password: PW, cipherSuite: 3, executor: exec, ...extra})

describe('IpmitoolProvider argv and env', () => {
  test('password only in IPMITOOL_PASSWORD, never in argv; -E and -C present', async () => {
    const {exec, calls} = fakeExec({'chassis power status': {stdout: 'Chassis Power is on\n'}})
    assert.equal(await provider(exec).powerState(), 'on')
    assert.equal(calls.length, 1)
    const {argv, env} = calls[0]
    assert.ok(!argv.some((a) => a.includes(PW)), 'password leaked into argv')
    assert.ok(!argv.includes('-P'))
    assert.deepEqual(env, {IPMITOOL_PASSWORD: PW})
    assert.deepEqual(argv.slice(0, 11), ['ipmitool', '-I', 'lanplus', '-H', '192.0.2.10', '-p', '6230', '-U', 'admin', '-E', '-C'])
    assert.equal(argv[11], '3')
  })

  test('no -C when the suite is not pinned (ipmitool picks the best)', async () => {
    const {exec, calls} = fakeExec({'chassis power status': {stdout: 'Chassis Power is off'}})
    await provider(exec, {cipherSuite: undefined}).powerState()
    assert.ok(!calls[0].argv.includes('-C'))
  })

  test('boot device is sent as raw bytes with EFI/persistent flags after parameter 3', async () => {
    const {exec, calls} = fakeExec({'raw 0x00 0x08 0x03 0x08': {}, 'raw 0x00 0x08 0x05 0xe0 0x04 0x00 0x00 0x00': {}})
    await provider(exec).setBootDevice({device: 'pxe', persistent: true, uefi: true})
    const cmds = calls.map((c) => c.argv.slice(c.argv.indexOf('-v') + 1).join(' '))
    assert.deepEqual(cmds, ['raw 0x00 0x08 0x03 0x08', 'raw 0x00 0x08 0x05 0xe0 0x04 0x00 0x00 0x00'])
  })

  test('legacy one-time disk sets only the valid bit', async () => {
    const {exec, calls} = fakeExec({'raw 0x00 0x08 0x03 0x08': {}, 'raw 0x00 0x08 0x05 0x80 0x08 0x00 0x00 0x00': {}})
    await provider(exec).setBootDevice({device: 'disk', persistent: false, uefi: false})
    assert.equal(calls.length, 2)
  })

  test('cycle of a powered-off machine powers it on', async () => {
    const {exec, calls} = fakeExec({'chassis power status': {stdout: 'Chassis Power is off'}, 'chassis power on': {stdout: 'Chassis Power Control: Up/On'}})
    await provider(exec).setPower('cycle')
    assert.deepEqual(calls.map((c) => c.argv.at(-1)), ['status', 'on'])
  })

  test('info parses mc info and the session privilege', async () => {
    const {exec} = fakeExec({
      'mc info': {stdout: 'Device ID                 : 32\nFirmware Revision         : 3.45\nIPMI Version              : 2.0\nManufacturer ID           : 10876\nManufacturer Name         : Supermicro\nProduct ID                : 2137 (0x0859)\nProduct Name              : X11\nAux Firmware Rev Info     : \n    0x00\n'},
      'session info active': {stdout: 'session handle                : 1\nprivilege level               : OPERATOR\n'},
    })
    const info = await provider(exec).info()
    assert.equal(info.protocol, 'IPMI 2.0')
    assert.equal(info.manufacturer, 'Supermicro')
    assert.equal(info.product, 'X11')
    assert.equal(info.firmware, '3.45')
    assert.equal(info.privilege, 'operator')
  })
})

describe('ipmitool failure classification', () => {
  const cases: [string, string, string][] = [
    ['Loading IANA PEN Registry...\n> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session', 'auth', 'wrong password'],
    ['RAKP 2 message indicates an error : unauthorized name\nError: Unable to establish IPMI v2 / RMCP+ session', 'auth', 'unknown user'],
    ['Get Auth Capabilities error\nError issuing Get Channel Authentication Capabilities request\nError: Unable to establish IPMI v2 / RMCP+ session', 'timeout', 'no BMC answering'],
    ['Error: Unable to establish IPMI v2 / RMCP+ session', 'auth', 'bare session failure'],
    ['Set Session Privilege Level to ADMINISTRATOR failed', 'privilege', 'privilege refused'],
    ['Error: Unable to establish IPMI v2 / RMCP+ session: insufficient resources for session', 'busy', 'out of sessions'],
    ['Running Get VSO Capabilities my_addr 0x20, transit 0, target 0x20\nInvalid completion code received: Invalid command\nDiscovered IPMB address 0x0\nSet Chassis Power Control to Up/On failed: Invalid data field in request', 'unsupported', 'power without a chassis'],
    ['Running Get VSO Capabilities my_addr 0x20, transit 0, target 0x20\nInvalid completion code received: Invalid command\nsomething odd happened', 'protocol', 'probe noise is not the failure'],
  ]
  for (const [stderr, kind, why] of cases) {
    test(`${why} → ${kind}`, () => {
      const err = classifyFailure(stderr, '', 'chassis power on')
      assert.equal(err.kind, kind, err.message)
      assert.ok(!/Loading IANA|Running Get VSO/.test(err.message))
    })
  }

  test('auth failures carry a hint and the provider name', async () => {
    const {exec} = fakeExec({'chassis power status': {exitCode: 1, stderr: '> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session'}})
    await assert.rejects(provider(exec).powerState(), (err: unknown) => {
      assert.ok(err instanceof BmcError)
      assert.equal(err.kind, 'auth')
      assert.equal(err.provider, 'ipmitool')
      assert.match(err.message, /hint: check the username and password/)
      assert.ok(!err.message.includes(PW))
      return true
    })
  })

  test('a killed run is a timeout', async () => {
    const {exec} = fakeExec({'chassis power status': {exitCode: -1, timedOut: true}})
    await assert.rejects(provider(exec).powerState(), (err: unknown) => err instanceof BmcError && err.kind === 'timeout')
  })
})

describe('ipmitool output parsing', () => {
  test('power status tolerates case and spacing, rejects garbage', () => {
    assert.equal(parsePowerStatus('Chassis Power is on\n'), 'on')
    assert.equal(parsePowerStatus('chassis power  is OFF'), 'off')
    assert.throws(() => parsePowerStatus('Error: something'), (e: unknown) => e instanceof BmcError && e.kind === 'protocol')
  })

  test('raw bytes across lines, with and without 0x', () => {
    assert.deepEqual(parseRawBytes(' 01 05 a0 04 00\n 00 00\n'), [1, 5, 0xa0, 4, 0, 0, 0])
    assert.deepEqual(parseRawBytes('0x01 0x05'), [1, 5])
    assert.throws(() => parseRawBytes(''), BmcError)
    assert.throws(() => parseRawBytes('Unable to send RAW command'), BmcError)
  })

  test('boot options decode device, persistent and EFI bits', () => {
    assert.deepEqual(parseBootOptions([1, 5, 0xe0, 0x04, 0, 0, 0]), {device: 'pxe', persistent: true, uefi: true})
    assert.deepEqual(parseBootOptions([1, 5, 0x80, 0x08, 0, 0, 0]), {device: 'disk', persistent: false, uefi: false})
    assert.deepEqual(parseBootOptions([1, 5, 0xa0, 0x14, 0, 0, 0]), {device: 'cdrom', persistent: false, uefi: true})
    assert.deepEqual(parseBootOptions([1, 5, 0x80, 0x18, 0, 0, 0]), {device: 'bios', persistent: false, uefi: false})
    // Valid bit clear: the override is inactive even though the selector still says PXE.
    assert.deepEqual(parseBootOptions([1, 5, 0x00, 0x04, 0, 0, 0]), {device: 'none', persistent: false, uefi: false})
    // Parameter marked locked (bit 7 of byte 2) is still parameter 5.
    assert.equal(parseBootOptions([1, 0x85, 0x80, 0x04, 0, 0, 0]).device, 'pxe')
    assert.throws(() => parseBootOptions([1, 3, 0x80]), BmcError)
  })

  test('mc info without version lines is refused', () => {
    assert.throws(() => parseMcInfo('nothing useful here'), BmcError)
    assert.equal(parseMcInfo('IPMI Version : 1.5\n').protocol, 'IPMI 1.5')
  })
})
