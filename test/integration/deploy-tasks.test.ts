import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync} from 'node:fs'
import {basename, join} from 'node:path'
import {createBmc} from '../../src/bmc/factory.js'
import {fakeBmcState, resetFakeBmcs} from '../../src/bmc/fake.js'
import {nodeFacts} from '../../src/inventory/vars.js'
import {loadPlaybook, runPlaybook, type RunEvent} from '../../src/runner/index.js'
import {simpleInventory} from '../../src/runner/inventory-adapter.js'
import type {Store} from '../../src/state/store.js'
import bootDevice from '../../src/tasks/boot_device.js'
import {modules} from '../../src/tasks/index.js'
import power from '../../src/tasks/power.js'
import {needsCommands, needsRoot, skipUnless, tempDir} from '../support/env.js'
import {startTestSshd, type TestSshd} from '../support/sshd.js'
import {deployServices, fileServer, liveosFacts, loopDisk, node, playCallback, storeWith} from '../unit/tasks/deploy-fixtures.js'

/**
 * The deploy, undeploy and inspect playbooks end to end with fakes around real parts:
 * a fake BMC, a "LiveOS" that is a local dropbear plus a loop disk, and the test itself
 * playing serve's call-back handler (consume the token, store the facts).
 */
const MiB = 1024 * 1024
const SECT = MiB / 512
const PLAYBOOKS = join(import.meta.dirname, '../../playbooks')
const registry = {...modules, power, boot_device: bootDevice}
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

/** Watches the store like a booting node would: power on + a LiveOS boot config → call back once per token. */
function fakeLiveOs(store: Store, facts: () => ReturnType<typeof liveosFacts>): {stop(): void; callbacks: string[]} {
  const bmc = fakeBmcState('bmc-n1')
  const seen = new Set<string>()
  const callbacks: string[] = []
  const timer = setInterval(() => {
    const cfg = store.getBootConfig('52:54:00:00:00:01')
    const state = store.getNode('n1')?.state
    const token = cfg?.mode === 'liveos' ? String(cfg.vars.token) : undefined
    if (!token || seen.has(token) || bmc.power !== 'on') return
    if (!['wait-callback', 'undeploying', 'inspecting'].includes(String(state))) return
    seen.add(token)
    const claim = store.consumeToken(token)
    if (!claim) return
    callbacks.push(claim.purpose)
    playCallback(store, 'n1', facts(), claim.purpose)
  }, 20)
  return {stop: () => clearInterval(timer), callbacks}
}

describe('deploy playbooks end to end', {skip: skipUnless(needsRoot(), needsCommands('dropbear', 'dropbearkey', 'ssh-keygen', 'unshare', 'losetup', 'sfdisk', 'partx', 'wget', 'genisoimage', 'isoinfo'))}, () => {
  let sshd: TestSshd
  let srv: Awaited<ReturnType<typeof fileServer>>
  let image: Buffer
  let imgDir: string

  before(async () => {
    sshd = await startTestSshd()
    imgDir = tempDir()
    // An OS image as cloud images come: a partition table and one partition, smaller than the disk.
    const f = join(imgDir, 'os.raw')
    execFileSync('truncate', ['-s', '8M', f])
    execFileSync('sfdisk', ['-q', f], {input: `label: dos\nstart=2048, size=${6 * SECT}, type=83\n`})
    const fd = openSync(f, 'r+')
    writeSync(fd, Buffer.alloc(MiB, 0x5a), 0, MiB, 2 * MiB)
    closeSync(fd)
    image = readFileSync(f)
    srv = await fileServer(imgDir)
  })
  after(() => { sshd?.stop(); srv?.close() })

  async function setup(state: 'available' | 'active' = 'available', extraVars: Record<string, unknown> = {}) {
    resetFakeBmcs()
    const spec = node('n1', {network: {ipv4: {address: '127.0.0.10/8', dns: []}}, image: {url: `${srv.base}/os.raw`, checksum: `sha256:${sha256(image)}`}})
    const {store, dataDir} = storeWith(spec)
    if (state === 'active') { store.transition('n1', 'deploying'); store.transition('n1', 'active') }
    mkdirSync(join(dataDir, 'http'), {recursive: true})
    const disk = loopDisk(tempDir(), 64 * MiB, 'disk', 0xee)
    const deploy = deployServices(dataDir, {address: '127.0.0.1/8', http: {port: srv.port}},
      {sshPrivateKey: sshd.clientKey, sshPublicKey: sshd.clientPub, liveosSshPort: sshd.port})
    const bmcFor = (h: string) => createBmc({driver: 'fake', address: `bmc-${h}`}, {label: h})
    const facts = () => liveosFacts({ip: '127.0.0.1', hostKeys: [sshd.hostKeyLine],
      disks: [{name: basename(disk.dev), sizeBytes: 64 * MiB, model: 'loop', serial: null, wwn: null, rotational: false}]})
    const liveos = fakeLiveOs(store, facts)
    const inventory = simpleInventory({n1: {bmpctl_node: nodeFacts(spec), root_device_hints: {name: basename(disk.dev)},
      installed_ssh_host: '127.0.0.1', installed_ssh_port: sshd.port, ...extraVars}})
    const run = async (file: string) => {
      const events: RunEvent[] = []
      const pb = await loadPlaybook(join(PLAYBOOKS, file), registry)
      const result = await runPlaybook(pb, {inventory, services: {store, bmcFor, deploy}, onEvent: (e) => void events.push(e)})
      return {result, events}
    }
    const cleanup = () => { liveos.stop(); disk.detach() }
    return {store, disk, deploy, liveos, run, cleanup, bmc: fakeBmcState('bmc-n1')}
  }

  const states = (store: Store) => store.events('n1', {kinds: ['state.change']}).map((e) => e.data?.to)
  const failures = (events: RunEvent[]) => events.flatMap((e) => (e.type === 'host_result' && e.status === 'failed' ? [`${e.task}: ${e.msg}`] : []))

  test('the three playbooks load against the module registry', async () => {
    for (const f of ['deploy.yaml', 'undeploy.yaml', 'inspect.yaml']) assert.equal((await loadPlaybook(join(PLAYBOOKS, f), registry)).plays.length, 1)
  })

  test('deploy: available → active, image and config drive on disk, disk boot set, events recorded', async () => {
    const t = await setup()
    try {
      const {result, events} = await t.run('deploy.yaml')
      assert.equal(result.ok, true, failures(events).join('\n'))
      assert.equal(t.store.getNode('n1')!.state, 'active')
      assert.deepEqual(states(t.store), ['manageable', 'available', 'deploying', 'wait-callback', 'deploying', 'active'])
      assert.deepEqual(t.liveos.callbacks, ['deploy'])
      const kinds = new Set(t.store.events('n1').map((e) => e.kind))
      for (const k of ['deploy.pxe_config', 'deploy.wait_for_callback', 'deploy.disk_wipe', 'deploy.image_write', 'deploy.configdrive', 'deploy.wait_for_ssh']) {
        assert.ok(kinds.has(k), `event ${k}`)
      }
      assert.equal(t.store.getBootConfig('52:54:00:00:00:01')?.mode, 'local')
      assert.deepEqual(t.bmc.boot, {device: 'disk', persistent: true, uefi: false})
      assert.equal(t.bmc.power, 'on')
      const disk = readFileSync(t.disk.file)
      assert.ok(disk.subarray(2 * MiB, 3 * MiB).every((b) => b === 0x5a), 'image partition content on disk')
      const table = JSON.parse(execFileSync('sfdisk', ['-J', t.disk.file], {encoding: 'utf8'})).partitiontable
      assert.equal(table.partitions.length, 2, 'image partition + config drive')
      assert.equal(table.partitions[1].start + table.partitions[1].size, 64 * SECT, 'config drive at the end of the disk')
      const token = JSON.stringify(events)
      assert.ok(!/"token"/.test(token), 'no token in run events')
    } finally { t.cleanup() }
  })

  test('deploy with a wrong checksum: rescue powers off, boots local and records deploy-failed with the step', async () => {
    const t = await setup('available', {image_checksum: 'sha256:' + 'c'.repeat(64)})
    try {
      const {result} = await t.run('deploy.yaml')
      assert.equal(result.ok, false)
      const n = t.store.getNode('n1')!
      assert.equal(n.state, 'deploy-failed')
      assert.match(String(n.lastError), /^Write the image: checksum mismatch .*expected sha256:c{64}/)
      assert.ok(String(n.lastError).includes(`sha256:${sha256(image)}`), 'names the actual hash')
      assert.equal(t.bmc.power, 'off')
      assert.equal(t.store.getBootConfig('52:54:00:00:00:01')?.mode, 'local')
      assert.ok(readFileSync(t.disk.file).subarray(0, MiB).every((b) => b === 0), 'wrong image left unbootable')
    } finally { t.cleanup() }
  })

  test('deploy without a call-back fails naming the last boot stage', async () => {
    const t = await setup('available', {callback_timeout: '1s'})
    t.liveos.stop()
    try {
      const {result} = await t.run('deploy.yaml')
      assert.equal(result.ok, false)
      const n = t.store.getNode('n1')!
      assert.equal(n.state, 'deploy-failed')
      assert.equal(n.lastError, 'Wait for the LiveOS call-back: no call-back within 1s; last stage seen: none')
    } finally { t.cleanup() }
  })

  test('undeploy: active → available with the disk metadata wiped and boot configs cleared', async () => {
    const t = await setup('active')
    try {
      writeFileSync(t.disk.file, image, {flag: 'r+'})
      const {result, events} = await t.run('undeploy.yaml')
      assert.equal(result.ok, true, failures(events).join('\n'))
      assert.deepEqual(states(t.store).slice(-3), ['undeploying', 'cleaning', 'available'])
      assert.deepEqual(t.liveos.callbacks, ['undeploy'])
      assert.ok(readFileSync(t.disk.file).subarray(0, MiB).every((b) => b === 0), 'partition table wiped')
      assert.equal(t.store.getBootConfig('52:54:00:00:00:01'), undefined)
      assert.equal(t.bmc.power, 'off')
    } finally { t.cleanup() }
  })

  test('inspect: available → inspecting → available with the LiveOS facts stored', async () => {
    const t = await setup()
    try {
      const {result, events} = await t.run('inspect.yaml')
      assert.equal(result.ok, true, failures(events).join('\n'))
      assert.deepEqual(states(t.store).slice(-2), ['inspecting', 'available'])
      assert.deepEqual(t.liveos.callbacks, ['inspect'])
      const facts = t.store.getNode('n1')!.facts.liveos as {disks: {name: string}[]}
      assert.equal(facts.disks[0].name, basename(t.disk.dev))
      assert.equal(t.bmc.power, 'off')
      assert.equal(t.store.getBootConfig('52:54:00:00:00:01'), undefined)
    } finally { t.cleanup() }
  })
})
