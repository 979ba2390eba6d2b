import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {isOurDaemon, readRecord} from '../../src/testenv/vbmc/registry.js'
import {tempDir} from '../support/env.js'
import {bmpctl, freeUdpPort} from '../unit/commands/cli.js'

/** `bmpctl console` over IPMI SOL to a background vBMC whose fake machine prints lines. */
const PW = 'console-cli-Pw-8810'
const NAME = `cons${process.pid}`
const dir = tempDir('bmpctl-console-')
const data = join(dir, 'data')
const env = {LAB_BMC_PW: PW}
const cli = (args: string[], o: Parameters<typeof bmpctl>[1] = {}) => bmpctl([...args, '--data-dir', data], {env, ...o})

describe('bmpctl console', () => {
  before(async () => {
    const port = await freeUdpPort()
    const r = await cli(['vbmc start', NAME, '--port', String(port), '--password-env', 'LAB_BMC_PW', '--machine-opt', 'console-lines-every-ms=100'])
    assert.equal(r.code, 0, r.stderr)
    const inv = join(dir, 'inv.yaml')
    writeFileSync(inv, `nodes:
  sol-1: {bmc: {driver: ipmi, address: 127.0.0.1, port: ${port}, username: admin, password_env: LAB_BMC_PW}, nics: [{mac: "52:54:00:40:00:01"}]}
  no-sol: {bmc: {driver: fake, address: fake-nosol}, nics: [{mac: "52:54:00:40:00:02"}]}
`)
    assert.equal((await cli(['enroll', inv])).code, 0)
    assert.equal((await cli(['power', 'on', 'sol-1'])).code, 0)
  })
  after(async () => {
    const rec = readRecord(data, NAME)
    await cli(['vbmc stop', NAME])
    if (rec && isOurDaemon(rec.pid, NAME)) process.kill(rec.pid, 'SIGKILL')
  })

  test('--capture writes the console to a file for --duration and records events', async () => {
    const file = join(dir, 'sol-1.console.log')
    const r = await cli(['console', 'sol-1', '--capture', file, '--duration', '2s'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(readFileSync(file, 'utf8'), new RegExp(`${NAME} console line \\d+\r\n.*${NAME} console line \\d+`, "s"))
    const show = await cli(['nodes show', 'sol-1', '--json'])
    const ev = (JSON.parse(show.stdout) as {events: {kind: string; data: {phase: string; bytes?: number}}[]}).events.filter((e) => e.kind === 'console.capture')
    assert.deepEqual(ev.map((e) => e.data.phase), ['start', 'end'])
    assert.ok((ev[1].data.bytes ?? 0) > 0)
  })

  test('interactive: typed bytes reach the machine, ~. at line start quits cleanly', async () => {
    const r = await cli(['console', 'sol-1'], {timeoutMs: 30_000, input: async (write, stdout) => {
      const seen = async (re: RegExp) => { for (let i = 0; i < 200 && !re.test(stdout()); i++) await new Promise((x) => setTimeout(x, 50)) }
      await seen(/console line/)
      write('ping-42\r')
      await seen(/echo:ping-42/)
      write('~.')
    }})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /echo:ping-42/)
    assert.doesNotMatch(r.stdout, /echo:~/, 'the escape was not sent to the machine')
    assert.match(r.stderr, /connection to sol-1 closed/)
  })

  test('a driver without a serial console is a clear error', async () => {
    const r = await cli(['console', 'no-sol', '--capture', join(dir, 'x.log'), '--duration', '1s'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /driver fake has no serial console/)
  })
})
