import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {openStore} from '../../src/state/store.js'
import type {NodeEvent} from '../../src/state/types.js'
import {startVm, type VmHandle} from '../../src/testenv/qemu.js'
import {needsCommands, needsRoot, skipUnless, tempDir} from '../support/env.js'
import {createLabNet, uniqueVmName, type LabNet} from '../support/lab-net.js'
import {stop} from '../support/netns.js'
import {bmpctl, enrollNode, installArgs, startServeProcess, TO_WAIT_CALLBACK, type ServeProcess} from './serve-lab.js'

/**
 * The boot-chain proof with nothing but bmpctl on the server side: qemu's iPXE ROM asks OUR
 * DHCP, gets OUR HTTP boot-script URL, loads the LiveOS from OUR HTTP server, and the LiveOS
 * calls back to OUR call-back API, which records facts and moves the node on.
 */
const skip = skipUnless(needsRoot(), needsCommands('qemu-system-x86_64', 'zstd', 'ssh-keygen'))

describe('boot chain: bmpctl serve → iPXE → LiveOS → call-back', {skip, timeout: 600_000}, () => {
  const dataDir = tempDir('bmpctl-bootchain-')
  const mac = `52:54:00:${randomBytes(3).toString('hex').match(/../g)!.join(':')}`
  const node = 'bc1'
  let token = ''
  let lab: LabNet | undefined
  let vm: VmHandle | undefined
  let serve: ServeProcess | undefined

  before(async () => {
    lab = createLabNet('bc')
    const inst = bmpctl(lab.ns, installArgs(dataDir))
    assert.equal(inst.code, 0, `install failed: ${inst.stderr}`)
    enrollNode(dataDir, node, mac, '192.0.2.50/24', TO_WAIT_CALLBACK)
    const store = openStore(dataDir)
    try {
      token = store.issueToken(node, 'deploy', 900)
      store.setBootConfig(mac, {node, mode: 'liveos', vars: {token}})
    } finally {
      store.close()
    }
    serve = await startServeProcess(lab.ns, dataDir)
    vm = await startVm({name: uniqueVmName('bc'), netns: lab.ns, boot: 'network', nics: [{mac, tap: lab.addTap()}], serialLog: join(dataDir, 'serial.log')})
  })

  after(async () => {
    await vm?.stop()
    if (serve) await stop(serve.child)
    lab?.destroy()
  })

  test('the LiveOS calls back; facts stored, node deploying, events in boot order', async () => {
    await vm!.waitForSerial(/BMPCTL-CALLBACK-OK/, 300_000)
    const store = openStore(dataDir)
    let events: NodeEvent[]
    try {
      const rec = store.getNode(node)!
      assert.equal(rec.state, 'deploying')
      const facts = rec.facts.liveos as {ip: string; macs: string[]; hostKeys: string[]}
      assert.deepEqual(facts.macs, [mac])
      assert.equal(facts.ip, '192.0.2.50', 'the LiveOS got its reservation from our DHCP')
      assert.ok(facts.hostKeys.length > 0)
      assert.ok(!Number.isNaN(Date.parse(String(rec.facts.liveos_callback_at))))
      events = store.events(node)
      // The one-time token is spent: a replay is refused.
      assert.equal(store.consumeToken(token), undefined)
    } finally {
      store.close()
    }
    const kinds = events.map((e) => e.kind)
    const first = (pred: (e: NodeEvent) => boolean, what: string) => {
      const i = events.findIndex(pred)
      assert.ok(i >= 0, `no ${what} event; kinds: ${kinds.join(' ')}`)
      return i
    }
    const dhcp = first((e) => e.kind === 'dhcp.ack' && (e.data as {ipxe?: boolean}).ipxe === true, 'dhcp.ack to iPXE')
    const script = first((e) => e.kind === 'http.boot-script' && (e.data as {mode?: string}).mode === 'liveos', 'http.boot-script (liveos)')
    const kernel = first((e) => e.kind === 'http.fetch' && e.message.includes('liveos/vmlinuz'), 'http.fetch of the kernel')
    const initrd = first((e) => e.kind === 'http.fetch' && e.message.includes('liveos/initrd.img'), 'http.fetch of the initrd')
    const callback = first((e) => e.kind === 'callback', 'callback')
    const moved = first((e) => e.kind === 'state.change' && e.message.startsWith('wait-callback → deploying'), 'state change to deploying')
    assert.ok(first((e) => e.kind === 'dhcp.discover', 'dhcp.discover') < dhcp)
    assert.ok(dhcp < script && script < kernel && kernel < initrd && initrd < callback && callback < moved, `order: ${kinds.join(' ')}`)
    const cb = events[callback].data as {ip: string; hostKey: string; purpose: string}
    assert.equal(cb.ip, '192.0.2.50')
    assert.equal(cb.purpose, 'deploy')
    assert.match(cb.hostKey, /^SHA256:[A-Za-z0-9+/]{43}$/)
    assert.ok(!JSON.stringify(events).includes(token), 'the token is not in the event log')
    assert.ok(!serve!.output().includes(token), 'the token is not in serve logs')
  })

  test('serve stops cleanly on SIGTERM', async () => {
    assert.equal(await stop(serve!.child, 'SIGTERM', 10_000), 0)
  })
})
