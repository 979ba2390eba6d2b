import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import diskWipe from '../../../src/tasks/disk_wipe.js'
import {needsCommands, needsRoot, skipUnless, tempDir} from '../../support/env.js'
import {startTestSshd, type TestSshd} from '../../support/sshd.js'
import {ctxFor, liveosOn, loopDisk, storeWith} from './deploy-fixtures.js'

const MiB = 1024 * 1024

describe('disk_wipe task over SSH', {skip: skipUnless(needsRoot(), needsCommands('dropbear', 'dropbearkey', 'ssh-keygen', 'unshare', 'losetup'))}, () => {
  let sshd: TestSshd
  let disk: ReturnType<typeof loopDisk>
  before(async () => {
    sshd = await startTestSshd()
    disk = loopDisk(tempDir(), 16 * MiB, 'disk', 0xab)
  })
  after(() => { sshd?.stop(); disk?.detach() })

  function setup() {
    const {store, dataDir} = storeWith()
    return {store, services: {store, deploy: liveosOn(store, dataDir, sshd)}}
  }

  test('check mode leaves the disk alone', async () => {
    const {services} = setup()
    const r = await diskWipe.run(ctxFor({device: disk.dev, mode: 'metadata' as const}, services, {check: true}))
    assert.equal(r.changed, true)
    assert.ok(readFileSync(disk.file).subarray(0, MiB).every((b) => b === 0xab))
  })

  test('metadata wipe zeroes the ends of the disk over SSH and records an event', async () => {
    const {store, services} = setup()
    const r = await diskWipe.run(ctxFor({device: disk.dev, mode: 'metadata' as const}, services))
    assert.equal(r.changed, true, String(r.msg))
    const bytes = readFileSync(disk.file)
    assert.ok(bytes.subarray(0, MiB).every((b) => b === 0), 'first MiB zeroed')
    assert.ok(bytes.subarray(bytes.length - MiB).every((b) => b === 0), 'last MiB zeroed')
    assert.ok(bytes.subarray(MiB, bytes.length - MiB).every((b) => b === 0xab), 'middle kept')
    const [ev] = store.events('n1', {kinds: ['deploy.disk_wipe']})
    assert.equal(ev.data?.device, disk.dev)
    assert.equal(typeof ev.data?.durationSec, 'number')
  })

  test('a host key other than the reported one is refused', async () => {
    const {store, services} = setup()
    const other = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOCsMHeZCQ1oxfRSZm0XWPMKr1QGMgVD7iUzbprz0RR0'
    store.setFacts('n1', {liveos: {...(store.getNode('n1')!.facts.liveos as object), hostKeys: [other]}})
    await assert.rejects(diskWipe.run(ctxFor({device: disk.dev, mode: 'metadata' as const}, services)), /refusing to connect/)
  })
})
