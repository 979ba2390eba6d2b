import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {after, describe, test} from 'node:test'
import {IpmiProvider} from '../../src/bmc/ipmi.js'
import {BmcError} from '../../src/bmc/types.js'
import {closeAllIpmiSessions, pooledIpmiSessionCount} from '../../src/protocols/ipmi/pool.js'
import {FakeMachine} from '../../src/testenv/machine.js'
import {type IpmiVbmc, startIpmiVbmc} from '../../src/testenv/vbmc/ipmi-server.js'
import {needsCommands, skipUnless} from '../support/env.js'
import {ipmitoolArgs, runIpmitool} from '../support/ipmi-tool.js'

const PASSWORD = 'vbmc-Secret-1'
const USERS = [
  {name: 'admin', password: PASSWORD, privilege: 'administrator' as const},
  {name: 'oper', password: PASSWORD, privilege: 'operator' as const},
  {name: 'viewer', password: PASSWORD, privilege: 'user' as const},
]
const servers: IpmiVbmc[] = []
after(async () => {
  await closeAllIpmiSessions()
  await Promise.all(servers.map((s) => s.close()))
})

async function lab(opts: {cipherSuites?: number[]; dropEveryNth?: number} = {}): Promise<{machine: FakeMachine; port: number}> {
  const machine = new FakeMachine('node1')
  const v = await startIpmiVbmc({machine, port: 0, users: USERS, ...opts})
  servers.push(v)
  return {machine, port: v.port}
}

for (const suite of [3, 17]) {
  describe(`ipmitool -C ${suite} against the IPMI vBMC`, {skip: needsCommands('ipmitool')}, () => {
    test('power, boot devices, boot flags, mc info', async () => {
      const {machine, port} = await lab()
      const tool = (...cmd: string[]) => runIpmitool(ipmitoolArgs(port, 'admin', suite, cmd), PASSWORD)
      const ok = async (...cmd: string[]) => {
        const r = await tool(...cmd)
        assert.equal(r.code, 0, `ipmitool ${cmd.join(' ')}: ${r.stderr}`)
        return r.stdout
      }
      assert.match(await ok('power', 'status'), /Chassis Power is off/)
      assert.match(await ok('power', 'on'), /Up\/On/)
      assert.match(await ok('power', 'status'), /Chassis Power is on/)
      assert.deepEqual(machine.history, ['on:none'])

      assert.match(await ok('chassis', 'bootdev', 'pxe'), /Set Boot Device to pxe/)
      assert.match(await ok('power', 'cycle'), /Cycle/)
      assert.deepEqual(machine.history.slice(1), ['off:hard', 'on:pxe'])
      assert.deepEqual(machine.lastBoot, {device: 'pxe', persistent: false, uefi: false})
      assert.doesNotMatch(await ok('chassis', 'bootparam', 'get', '5'), /Boot Flag Valid/, 'one-time override spent by the power cycle')

      await ok('chassis', 'bootdev', 'disk', 'options=persistent,efiboot')
      const flags = await ok('chassis', 'bootparam', 'get', '5')
      assert.match(flags, /Boot Flag Valid/)
      assert.match(flags, /Options apply to all future boots/)
      assert.match(flags, /BIOS EFI boot/)
      assert.match(flags, /Force Boot from default Hard-Drive/)
      await ok('power', 'reset')
      assert.deepEqual(machine.lastBoot, {device: 'disk', persistent: true, uefi: true})
      assert.match(await ok('chassis', 'bootparam', 'get', '5'), /Boot Flag Valid/, 'persistent override kept')
      assert.match(await ok('power', 'off'), /Down\/Off/)
      assert.equal(machine.state, 'off')

      const mc = await ok('mc', 'info')
      assert.match(mc, /IPMI Version\s+: 2\.0/)
      assert.match(mc, /Firmware Revision\s+: 1\.02/)
    })

    test('wrong password and too little privilege are refused', async () => {
      const {machine, port} = await lab()
      const bad = await runIpmitool(ipmitoolArgs(port, 'admin', suite, ['power', 'on']), 'wrong-password')
      assert.notEqual(bad.code, 0)
      const viewer = await runIpmitool(ipmitoolArgs(port, 'viewer', suite, ['-L', 'USER', 'power', 'on']), PASSWORD)
      assert.notEqual(viewer.code, 0)
      assert.match(viewer.stderr + viewer.stdout, /privilege/i)
      const oper = await runIpmitool(ipmitoolArgs(port, 'oper', suite, ['-L', 'OPERATOR', 'power', 'on']), PASSWORD)
      assert.equal(oper.code, 0, oper.stderr)
      assert.deepEqual(machine.history, ['on:none'])
    })
  })
}

describe('ipmitool sol activate against the IPMI vBMC', {skip: skipUnless(needsCommands('ipmitool', 'script'))}, () => {
  test('typed text reaches the machine console and its output comes back', async () => {
    const {machine, port} = await lab()
    const typed: string[] = []
    const realWrite = machine.console.write
    machine.console.write = (d: Buffer) => { typed.push(d.toString()); realWrite(d) }
    const cmd = ['ipmitool', ...ipmitoolArgs(port, 'admin', 17, ['sol', 'activate'])].join(' ')
    // ipmitool wants a terminal for raw mode: script(1) gives it a pty; stdin stays our pipe.
    const child = spawn('script', ['-qc', cmd, '/dev/null'], {env: {...process.env, IPMITOOL_PASSWORD: PASSWORD}, stdio: ['pipe', 'pipe', 'pipe']})
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    const waitFor = async (re: RegExp) => {
      for (let i = 0; i < 200 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 50))
      assert.match(out, re)
    }
    const exited = new Promise<number | null>((r) => child.on('close', r))
    try {
      await waitFor(/SOL Session operational/)
      child.stdin.write('hello\r')
      await waitFor(/echo:hello/)
      machine.console.emit('data', Buffer.from('Booting from disk...\r\n'))
      await waitFor(/Booting from disk\.\.\./)
      child.stdin.write('~.')
      assert.equal(await exited, 0)
      assert.match(out, /terminated ipmitool/)
      assert.ok(typed.join('').includes('hello'))
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })
})

describe('native client against the IPMI vBMC', () => {
  const provider = (port: number, extra: Partial<ConstructorParameters<typeof IpmiProvider>[0]> = {}) =>
    new IpmiProvider({address: '127.0.0.1', port, username: 'admin', password: PASSWORD, timeoutMs: 200, minIntervalMs: 0, ...extra})

  for (const suite of [17, 3]) {
    test(`suite ${suite}: power, boot device round trip, info`, async () => {
      const {machine, port} = await lab()
      const p = provider(port, {cipherSuite: suite})
      await p.setBootDevice({device: 'pxe', persistent: false, uefi: true})
      assert.deepEqual(await p.bootDevice(), {device: 'pxe', persistent: false, uefi: true})
      await p.setPower('on')
      assert.deepEqual(machine.history, ['on:pxe'])
      assert.equal(await p.powerState(), 'on')
      assert.equal((await p.bootDevice()).device, 'none', 'one-time override cleared after power-on')
      await p.setBootDevice({device: 'disk', persistent: true, uefi: true})
      await p.setPower('cycle')
      await p.setPower('soft')
      assert.deepEqual(machine.history, ['on:pxe', 'off:hard', 'on:disk', 'off:soft'])
      assert.deepEqual(await p.bootDevice(), {device: 'disk', persistent: true, uefi: true})
      const info = await p.info()
      assert.equal(info.cipherSuite, suite)
      assert.equal(info.privilege, 'administrator')
    })
  }

  test('offers 17 first and falls back to 3 when the BMC lacks it', async () => {
    const both = await lab()
    assert.equal((await provider(both.port, {pool: false}).info()).cipherSuite, 17)
    const only3 = await lab({cipherSuites: [3]})
    assert.equal((await provider(only3.port, {pool: false}).info()).cipherSuite, 3)
  })

  test('a BMC with none of our suites (suite 0 only) is an error, not a downgrade', async () => {
    const {port} = await lab({cipherSuites: [0]})
    await assert.rejects(provider(port, {pool: false}).powerState(), (err: unknown) => {
      assert.ok(err instanceof BmcError)
      assert.equal(err.kind, 'unsupported')
      assert.match(err.message, /suite 0/)
      return true
    })
  })

  test('still succeeds with every third datagram dropped, without repeating actions', async () => {
    const {machine, port} = await lab({dropEveryNth: 3})
    const p = provider(port, {cipherSuite: 17, pool: false, retries: 4})
    await p.setPower('on')
    await p.setBootDevice({device: 'pxe', persistent: true, uefi: false})
    await p.setPower('off')
    assert.equal(await p.powerState(), 'off')
    assert.deepEqual(machine.history, ['on:none', 'off:hard'])
    await p.close()
  })

  test('operator users are accepted at operator privilege; user-level users are refused', async () => {
    const {machine, port} = await lab()
    const oper = provider(port, {username: 'oper', pool: false})
    assert.equal((await oper.info()).privilege, 'operator')
    await oper.setPower('on')
    assert.deepEqual(machine.history, ['on:none'])
    await oper.close()
    await assert.rejects(provider(port, {username: 'viewer', pool: false}).setPower('off'), (err: unknown) => err instanceof BmcError && err.kind === 'privilege')
    await assert.rejects(provider(port, {username: 'nobody', pool: false}).powerState(), (err: unknown) => err instanceof BmcError && err.kind === 'auth')
    await assert.rejects(provider(port, {password: 'bad-Guess-9', pool: false}).powerState(), (err: unknown) => err instanceof BmcError && err.kind === 'auth' && !err.message.includes('bad-Guess-9'))
  })

  test('providers for one BMC share a pooled session', async () => {
    const {port} = await lab()
    await closeAllIpmiSessions()
    await provider(port).powerState()
    await provider(port).powerState()
    assert.equal(pooledIpmiSessionCount(), 1)
    await closeAllIpmiSessions()
    assert.equal(pooledIpmiSessionCount(), 0)
  })

  test('SOL console: write, echo back, close', async () => {
    const {machine, port} = await lab()
    const con = await provider(port, {cipherSuite: 17}).openConsole()
    const got: Buffer[] = []
    con.onData((d) => got.push(d))
    con.write(Buffer.from('ping'))
    for (let i = 0; i < 100 && !Buffer.concat(got).toString().includes('echo:ping'); i++) await new Promise((r) => setTimeout(r, 20))
    assert.equal(Buffer.concat(got).toString(), 'echo:ping')
    machine.console.emit('data', Buffer.from('login: '))
    for (let i = 0; i < 100 && !Buffer.concat(got).toString().includes('login'); i++) await new Promise((r) => setTimeout(r, 20))
    assert.equal(Buffer.concat(got).toString(), 'echo:pinglogin: ')
    await con.close()
    // SOL is free again after deactivation: a second console can be opened.
    const again = await provider(port, {cipherSuite: 3}).openConsole()
    await again.close()
  })
})
