import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {join} from 'node:path'
import {planConfigDrive, parseSfdiskJson, type SfdiskTable} from '../../../src/deploy/partition.js'
import configdrive, {configDriveInput, uuidFromName, type ConfigDriveParams} from '../../../src/tasks/configdrive.js'
import {needsCommands, needsRoot, skipUnless, tempDir} from '../../support/env.js'
import {startTestSshd, type TestSshd} from '../../support/sshd.js'
import {ctxFor, liveosOn, loopDisk, node, storeWith} from './deploy-fixtures.js'

const MiB = 1024 * 1024
const SECT = MiB / 512

describe('config drive partition plan', () => {
  const table = (label: 'dos' | 'gpt', parts: [number, number][], lastLba?: number): SfdiskTable =>
    ({label, device: '/dev/sda', sectorSize: 512, lastLba, partitions: parts.map(([start, size], i) => ({node: `/dev/sda${i + 1}`, start, size, type: '83'}))})

  test('64 MiB at the very end of an MBR disk, 1 MiB aligned', () => {
    const {plan} = planConfigDrive(table('dos', [[2048, 100 * SECT]]), 1024 * MiB, 400_000)
    assert.deepEqual(plan, {start: (1024 - 64) * SECT, size: 64 * SECT, type: '83'})
  })

  test('GPT stops before the backup table and uses the Linux filesystem type', () => {
    const last = 1024 * SECT - 34
    const {plan} = planConfigDrive(table('gpt', [[2048, 100 * SECT]], last), 1024 * MiB, 400_000)
    assert.equal(plan!.start + plan!.size - 1, last)
    assert.equal(plan!.start % SECT, 0)
    assert.equal(plan!.type, '0FC63DAF-8483-4772-8E79-3D69D8477DE4')
  })

  test('less than 64 MiB free: the free tail, if the ISO fits', () => {
    const {plan} = planConfigDrive(table('dos', [[2048, 1008 * SECT]]), 1010 * MiB, 400_000)
    assert.equal(plan!.start, 1009 * SECT)
    assert.equal(plan!.size, 1 * SECT)
    const full = planConfigDrive(table('dos', [[2048, 1009 * SECT]]), 1010 * MiB, 400_000)
    assert.equal(full.plan, undefined)
    assert.match(full.reason, /only 0 bytes are free after the last partition/)
  })

  test('a full MBR is refused', () => {
    const r = planConfigDrive(table('dos', [[2048, 10], [4096, 10], [6144, 10], [8192, 10]]), 1024 * MiB, 1000)
    assert.match(r.reason, /already has 4 partitions/)
  })

  test('sfdisk -J parsing', () => {
    const t = parseSfdiskJson('{"partitiontable":{"label":"gpt","id":"X","device":"/dev/loop1","unit":"sectors","firstlba":2048,"lastlba":262110,"sectorsize":512,"partitions":[{"node":"/dev/loop1p1","start":2048,"size":4096,"type":"0FC63DAF-8483-4772-8E79-3D69D8477DE4"}]}}')
    assert.deepEqual([t?.label, t?.lastLba, t?.partitions[0].size], ['gpt', 262110, 4096])
    assert.equal(parseSfdiskJson(''), undefined)
  })
})

describe('config drive input', () => {
  test('from the node spec: stable uuid, hostname, keys, MACs, static IPv4, bond from vars', () => {
    const spec = {...node(), network: {hostname: 'web1', ipv4: {address: '192.0.2.10/24', gateway: '192.0.2.254', dns: ['192.0.2.53']}}}
    const nv = {name: spec.name, macs: spec.nics.map((n) => n.mac), network: spec.network, properties: {}, sshKeys: spec.sshKeys}
    const bond = {mode: '802.3ad', macs: ['52:54:00:00:00:01', '52:54:00:00:00:02']}
    const input = configDriveInput(nv, {device: '/dev/sda', format: 'config-2'}, {bond})
    assert.equal(input.uuid, uuidFromName('n1'))
    assert.match(input.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    assert.notEqual(uuidFromName('n2'), input.uuid)
    assert.equal(input.hostname, 'web1')
    assert.deepEqual(input.publicKeys, spec.sshKeys)
    assert.deepEqual(input.ipv4, {address: '192.0.2.10/24', gateway: '192.0.2.254', dns: ['192.0.2.53']})
    assert.deepEqual(input.bond, bond)
    const withKeys = configDriveInput(nv, {device: '/dev/sda', format: 'config-2', ssh_keys: ['ssh-ed25519 AAAA k']}, {})
    assert.deepEqual(withKeys.publicKeys, ['ssh-ed25519 AAAA k'])
  })
})

describe('configdrive task on a loop disk over SSH', {skip: skipUnless(needsRoot(), needsCommands('dropbear', 'dropbearkey', 'ssh-keygen', 'unshare', 'losetup', 'sfdisk', 'partx', 'isoinfo', 'genisoimage'))}, () => {
  let sshd: TestSshd
  before(async () => { sshd = await startTestSshd() })
  after(() => sshd?.stop())

  /** A disk image as an OS image leaves it: one partition, table sized for a smaller disk (GPT). */
  function imageDisk(label: 'dos' | 'gpt'): ReturnType<typeof loopDisk> {
    const dir = tempDir()
    const file = join(dir, 'disk')
    execFileSync('truncate', ['-s', '32M', file])
    execFileSync('sfdisk', ['-q', file], {input: `label: ${label}\nstart=2048, size=${16 * SECT}, type=${label === 'gpt' ? 'L' : '83'}\n`})
    execFileSync('truncate', ['-s', '128M', file])
    return loopDiskOn(file)
  }
  function loopDiskOn(file: string): ReturnType<typeof loopDisk> {
    const dev = execFileSync('losetup', ['--show', '-P', '-f', file], {encoding: 'utf8'}).trim()
    let gone = false
    const detach = () => { if (!gone) { gone = true; try { execFileSync('losetup', ['-d', dev]) } catch { /* gone */ } } }
    process.on('exit', detach)
    return {file, dev, detach}
  }

  function readBack(file: string): {table: SfdiskTable; iso: string} {
    const table = parseSfdiskJson(execFileSync('sfdisk', ['-J', file], {encoding: 'utf8'}))!
    const p = table.partitions.at(-1)!
    const iso = `${file}.iso`
    execFileSync('dd', [`if=${file}`, `of=${iso}`, 'bs=512', `skip=${p.start}`, `count=${p.size}`], {stdio: 'ignore'})
    return {table, iso}
  }

  for (const label of ['dos', 'gpt'] as const) {
    test(`config-2 drive appended at the end of a ${label === 'dos' ? 'MBR' : 'GPT'} disk`, async () => {
      const disk = imageDisk(label)
      try {
        const {store, dataDir} = storeWith(node('n1', {uuid: '11111111-2222-3333-4444-555555555555', network: {hostname: 'web1', ipv4: {address: '192.0.2.10/24', dns: []}}}))
        const services = {store, deploy: liveosOn(store, dataDir, sshd)}
        const params: ConfigDriveParams = {device: disk.dev, format: 'config-2', user_data: '#cloud-config\nhostname: web1\n'}
        const r = await configdrive.run(ctxFor(params, services))
        assert.equal(r.failed, undefined, String(r.msg))
        assert.equal(r.table, label)
        const {table, iso} = readBack(disk.file)
        assert.equal(table.partitions.length, 2)
        const cd = table.partitions[1]
        const lastUsable = label === 'gpt' ? 128 * SECT - 34 : 128 * SECT - 1
        assert.equal(cd.start + cd.size - 1, lastUsable, 'ends at the end of the disk')
        assert.equal(cd.start, Math.floor((lastUsable + 1 - 64 * SECT) / SECT) * SECT, '64 MiB from the end, start 1 MiB aligned')
        if (label === 'gpt') assert.equal(table.lastLba, lastUsable, 'backup GPT moved to the disk end')
        assert.match(execFileSync('isoinfo', ['-d', '-i', iso], {encoding: 'utf8'}), /Volume id: config-2/)
        const meta = JSON.parse(execFileSync('isoinfo', ['-R', '-i', iso, '-x', '/openstack/latest/meta_data.json'], {encoding: 'utf8'}))
        assert.deepEqual([meta.uuid, meta.hostname, meta.name], ['11111111-2222-3333-4444-555555555555', 'web1', 'n1'])
        assert.deepEqual(Object.values(meta.public_keys), node().sshKeys)
        assert.equal(execFileSync('isoinfo', ['-R', '-i', iso, '-x', '/openstack/latest/user_data'], {encoding: 'utf8'}), params.user_data)
        const [ev] = store.events('n1', {kinds: ['deploy.configdrive']})
        assert.equal(ev.data?.partition, r.partition)
        assert.match(String(r.partition), new RegExp(`^${disk.dev}p2$`))
      } finally { disk.detach() }
    })
  }

  test('cidata format', async () => {
    const disk = imageDisk('dos')
    try {
      const {store, dataDir} = storeWith()
      const r = await configdrive.run(ctxFor({device: disk.dev, format: 'cidata'} as ConfigDriveParams, {store, deploy: liveosOn(store, dataDir, sshd)}))
      assert.equal(r.failed, undefined, String(r.msg))
      const {iso} = readBack(disk.file)
      assert.match(execFileSync('isoinfo', ['-d', '-i', iso], {encoding: 'utf8'}), /Volume id: cidata/)
      assert.match(execFileSync('isoinfo', ['-R', '-i', iso, '-x', '/meta-data'], {encoding: 'utf8'}), /local-hostname: n1/)
    } finally { disk.detach() }
  })

  test('a disk without a partition table fails clearly', async () => {
    const dir = tempDir()
    const disk = loopDisk(dir, 64 * MiB)
    try {
      const {store, dataDir} = storeWith()
      await assert.rejects(configdrive.run(ctxFor({device: disk.dev, format: 'config-2'} as ConfigDriveParams, {store, deploy: liveosOn(store, dataDir, sshd)})),
        /has no partition table/)
    } finally { disk.detach() }
  })
})
