import {execFileSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {NodeSpec} from '../../../src/inventory/model.js'
import {createLogger, type Logger} from '../../../src/log.js'
import type {LiveOsFacts} from '../../../src/liveos/facts.js'
import {openStore, type Store} from '../../../src/state/store.js'
import {parseCidr, type Cidr} from '../../../src/util/net.js'
import {tempDir} from '../../support/env.js'

export const SUBNET: Cidr = parseCidr('192.0.2.1/24')!
export const HTTP_BASE = 'http://192.0.2.1:8080'

export function spec(name: string, mac: string, ipv4?: string, extra: Partial<NodeSpec['network']> = {}): NodeSpec {
  return {
    name, bmc: {driver: 'fake', address: '192.0.2.250'}, nics: [{mac}], properties: {},
    network: {...(ipv4 ? {ipv4: {address: ipv4, gateway: '192.0.2.254', dns: ['192.0.2.53']}} : {}), ...extra},
    sshKeys: [], groups: [], vars: {},
  }
}

export function freshStore(): {store: Store; dir: string} {
  const dir = tempDir('bmpctl-serve-')
  return {store: openStore(dir), dir}
}

/** A logger whose lines a test can search (for secrets that must not be there). */
export function capturingLogger(): {log: Logger; lines: string[]} {
  const lines: string[] = []
  return {log: createLogger({level: 'debug', format: 'json', write: (l) => lines.push(l)}), lines}
}

/** A real ed25519 key pair from ssh-keygen: the public line, and its fingerprint per ssh-keygen -l. */
export function sshKeyPair(dir: string): {privateKey: string; publicLine: string; fingerprint: string} {
  const key = join(dir, `k${Math.random().toString(36).slice(2)}`)
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test', '-f', key])
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${key}.pub`], {encoding: 'utf8'}).split(' ')[1]
  return {privateKey: key, publicLine: readFileSync(`${key}.pub`, 'utf8').trim(), fingerprint}
}

export function facts(mac: string, hostKey: string, ip = '192.0.2.50'): LiveOsFacts {
  return {
    schema: 1, kernel: '6.1.0-test', ip, macs: [mac], hostKeys: [hostKey.split(' ').slice(0, 2).join(' ')],
    cpu: {model: 'QEMU', count: 2}, memoryMiB: 1024,
    disks: [{name: 'vda', sizeBytes: 1 << 30, model: null, serial: null, wwn: null, rotational: false}],
    nics: [{name: 'eth0', mac, speedMbps: null, carrier: true, ip}],
    dmi: {vendor: 'QEMU', product: 'Standard PC', serial: null, uuid: null}, bootMode: 'bios',
  }
}

export function writeFile(path: string, text: string): string {
  writeFileSync(path, text)
  return path
}
