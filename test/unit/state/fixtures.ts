import type {NodeSpec} from '../../../src/inventory/model.js'
import {openStore, type Store} from '../../../src/state/store.js'
import {tempDir} from '../../support/env.js'

/** A minimal valid node spec; override any field. */
export function nodeSpec(name: string, over: Partial<NodeSpec> = {}): NodeSpec {
  return {
    name,
    bmc: {driver: 'ipmi', address: '192.0.2.10', username: 'admin', password: {value: 's3cret-pw'}},
    nics: [{mac: '52:54:00:00:00:01'}],
    properties: {cpu_arch: 'x86_64'},
    network: {},
    sshKeys: [],
    groups: [],
    vars: {},
    ...over,
  }
}

/** A store in a fresh temp dir, plus the dir. */
export function freshStore(): {store: Store; dir: string} {
  const dir = tempDir('bmpctl-state-')
  return {store: openStore(dir), dir}
}
