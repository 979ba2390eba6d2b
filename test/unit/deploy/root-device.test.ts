import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {chooseRootDevice, type Disk} from '../../../src/deploy/root-device.js'

const GiB = 1024 ** 3
const disks: Disk[] = [
  {name: 'sda', sizeBytes: 960 * GiB, model: 'SAMSUNG MZ7LH960', serial: 'S1', rotational: false, wwn: '0x5002538e'},
  {name: 'sdb', sizeBytes: 4000 * GiB, model: 'ST4000NM', serial: 'S2', rotational: true},
  {name: 'nvme0n1', sizeBytes: 480 * GiB, model: 'INTEL SSDPE', serial: 'S3', rotational: false},
  {name: 'sdc', sizeBytes: 2 * GiB, model: 'USB KEY', serial: 'S4', rotational: false},
]

describe('chooseRootDevice', () => {
  test('no hints: smallest disk of at least 4 GiB (skips the 2 GiB stick)', () => {
    assert.equal(chooseRootDevice(disks).disk?.name, 'nvme0n1')
  })
  const cases: [string, object, string | undefined][] = [
    ['name', {name: '/dev/sdb'}, 'sdb'],
    ['serial', {serial: 's1'}, 'sda'],
    ['model (case-insensitive)', {model: 'st4000nm'}, 'sdb'],
    ['wwn', {wwn: '0x5002538e'}, 'sda'],
    ['rotational true', {rotational: true}, 'sdb'],
    ['rotational "false" → smallest SSD of at least 4 GiB', {rotational: 'false'}, 'nvme0n1'],
    ['a small disk is taken when pinned by serial', {serial: 'S4'}, 'sdc'],
    ['a small disk is not taken by model alone', {model: 'USB KEY'}, undefined],
    ['size exact GiB', {size: 960}, 'sda'],
    ['size comparison', {size: '>= 500'}, 'sda'],
    ['all hints must match', {rotational: false, size: '> 500'}, 'sda'],
    ['nothing matches', {serial: 'nope'}, undefined],
  ]
  for (const [label, hints, want] of cases) {
    test(label, () => assert.equal(chooseRootDevice(disks, hints).disk?.name, want))
  }
  test('failure reason lists what was seen', () => {
    const r = chooseRootDevice(disks, {model: 'nope'})
    assert.match(r.reason, /no disk matches model=nope with at least 4 GiB; disks seen: sda \(960\.0 GiB, SAMSUNG MZ7LH960\)/)
  })
  test('no disks at all', () => assert.match(chooseRootDevice([]).reason, /disks seen: none/))
  test('bad size hint is an error naming it', () => {
    assert.throws(() => chooseRootDevice(disks, {size: 'big'}), /size "big"/)
  })
  test('unknown hint is an error listing the known ones', () => {
    assert.throws(() => chooseRootDevice(disks, {colour: 'red'} as object), /unknown root device hint "colour"/)
  })
})
