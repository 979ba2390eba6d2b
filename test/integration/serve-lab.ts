/** Shared by the serve/install/boot-chain integration tests: run bmpctl in a lab namespace. */
import {spawnSync, type ChildProcess} from 'node:child_process'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import type {NodeSpec} from '../../src/inventory/model.js'
import {openStore} from '../../src/state/store.js'
import {ProvisionState as S} from '../../src/state/types.js'
import {nsSpawn, waitForOutput} from '../support/netns.js'

export const repo = fileURLToPath(new URL('../..', import.meta.url))
const cli = ['node', '--import', 'tsx', join(repo, 'bin/dev.js')]

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** `bmpctl …` to completion inside the namespace. */
export function bmpctl(ns: string, args: string[], timeoutMs = 300_000): CliResult {
  const r = spawnSync('ip', ['netns', 'exec', ns, ...cli, ...args], {cwd: repo, encoding: 'utf8', timeout: timeoutMs})
  return {code: r.status, stdout: r.stdout, stderr: r.stderr}
}

export function installArgs(dataDir: string, extra: string[] = []): string[] {
  return ['install', '--data-dir', dataDir, '--interface', 'br0', '--address', '192.0.2.1/24', '--no-systemd', '--yes', ...extra]
}

export interface ServeProcess {
  child: ChildProcess
  /** Everything it wrote so far (stdout + stderr). */
  output(): string
}

/** `bmpctl serve` as a child in the namespace; resolves once it says it is ready. */
export async function startServeProcess(ns: string, dataDir: string): Promise<ServeProcess> {
  const child = nsSpawn(ns, [...cli, 'serve', '--data-dir', dataDir, '--log-level', 'debug'], {cwd: repo})
  let out = ''
  child.stdout!.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr!.on('data', (d: Buffer) => { out += d.toString() })
  await waitForOutput(child, /"msg":"serve: ready"/, 30_000)
  return {child, output: () => out}
}

/** Enrols a node straight into the store (no BMC needed) in the given provision state path. */
export function enrollNode(dataDir: string, name: string, mac: string, ipv4: string, path: S[] = []): void {
  const spec: NodeSpec = {
    name, bmc: {driver: 'fake', address: '192.0.2.250'}, nics: [{mac}], properties: {},
    network: {hostname: name, ipv4: {address: ipv4, dns: []}}, sshKeys: [], groups: [], vars: {},
  }
  const store = openStore(dataDir)
  try {
    store.upsertNode(spec)
    for (const s of path) store.transition(name, s)
  } finally {
    store.close()
  }
}

export const TO_WAIT_CALLBACK: S[] = [S.Manageable, S.Available, S.Deploying, S.WaitCallback]
