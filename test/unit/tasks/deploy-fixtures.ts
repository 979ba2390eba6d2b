import {execFileSync} from 'node:child_process'
import {createReadStream, existsSync, statSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import {join, normalize} from 'node:path'
import {defaultConfig, layout, type ManagerConfig} from '../../../src/config/config.js'
import type {DeployServices} from '../../../src/deploy/context.js'
import type {NodeSpec} from '../../../src/inventory/model.js'
import type {LiveOsFacts} from '../../../src/liveos/facts.js'
import {silentLogger} from '../../../src/log.js'
import {openStore, type Store} from '../../../src/state/store.js'
import type {TaskContext} from '../../../src/tasks/types.js'
import {tempDir} from '../../support/env.js'

/** Shared set-up for the deploy task tests: a real store, deploy services, a fake call-back. */

export function node(name = 'n1', over: Partial<NodeSpec> = {}): NodeSpec {
  return {
    name, bmc: {driver: 'fake', address: `bmc-${name}`}, nics: [{mac: '52:54:00:00:00:01'}, {mac: '52:54:00:00:00:02'}],
    properties: {}, network: {ipv4: {address: '192.0.2.10/24', dns: []}}, sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0aQ8vZ0000000000000000000000000000000000000 op@test'],
    groups: [], vars: {}, ...over,
  }
}

/** A store in a temp dir holding `spec`, moved to `available`. */
export function storeWith(spec: NodeSpec = node()): {store: Store; dataDir: string} {
  const dataDir = tempDir('bmpctl-deploy-')
  const store = openStore(dataDir)
  store.upsertNode(spec)
  store.transition(spec.name, 'manageable')
  store.transition(spec.name, 'available')
  return {store, dataDir}
}

export function deployServices(dataDir: string, cfg: Partial<ManagerConfig> & {address?: string} = {}, extra: Partial<DeployServices> = {}): DeployServices {
  const config = {...defaultConfig(cfg.address ?? '192.0.2.1/24'), ...cfg}
  return {
    layout: layout(dataDir, config), config,
    sshPrivateKey: Buffer.from('unused'), sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIManagerKey manager@bmpctl',
    ...extra,
  }
}

export interface Ctx<P> extends TaskContext<P> {
  progressed: {message: string; data?: Record<string, unknown>}[]
}

export function ctxFor<P>(params: P, services: Record<string, unknown>, opts: {check?: boolean; host?: string; vars?: Record<string, unknown>} = {}): Ctx<P> {
  const progressed: Ctx<P>['progressed'] = []
  return {
    params, host: opts.host ?? 'n1', vars: opts.vars ?? {}, check: opts.check ?? false, signal: new AbortController().signal,
    log: silentLogger, services, progress: (message, data) => void progressed.push({message, data}), progressed,
  }
}

export function liveosFacts(over: Partial<LiveOsFacts> = {}): LiveOsFacts {
  return {
    schema: 1, kernel: '6.1.0', ip: '127.0.0.1', macs: ['52:54:00:00:00:01'], hostKeys: [],
    cpu: {model: 'test', count: 2}, memoryMiB: 2048, disks: [], nics: [],
    dmi: {vendor: null, product: null, serial: null, uuid: null}, bootMode: 'bios', ...over,
  }
}

/** What serve's call-back handler does with an accepted call-back (docs/deploy.md). */
export function playCallback(store: Store, host: string, facts: LiveOsFacts, purpose = 'deploy'): void {
  store.setFacts(host, {liveos: facts, liveos_callback_at: new Date().toISOString()})
  store.addEvent(host, 'callback', `LiveOS called back from ${facts.ip}`, {ip: facts.ip, purpose})
  const state = store.getNode(host)?.state
  if (state === 'wait-callback') store.transition(host, purpose === 'deploy' ? 'deploying' : 'cleaning', {reason: 'LiveOS called back'})
}

/** A sparse file on a loop device (partition scanning on), removed at exit. */
export function loopDisk(dir: string, bytes: number, name = 'disk', fill?: number): {file: string; dev: string; detach(): void} {
  const file = join(dir, name)
  if (fill === undefined) execFileSync('truncate', ['-s', String(bytes), file])
  else writeFileSync(file, Buffer.alloc(bytes, fill))
  const dev = execFileSync('losetup', ['--show', '-P', '-f', file], {encoding: 'utf8'}).trim()
  let gone = false
  const detach = () => { if (!gone) { gone = true; try { execFileSync('losetup', ['-d', dev]) } catch { /* already gone */ } } }
  process.on('exit', detach)
  return {file, dev, detach}
}

/** A static file server over `root` on 127.0.0.1 that counts GETs per path. */
export async function fileServer(root: string): Promise<{base: string; port: number; gets: Map<string, number>; close(): void; server: Server}> {
  const gets = new Map<string, number>()
  const server = createServer((req, res) => {
    const rel = normalize(decodeURIComponent((req.url ?? '/').split('?')[0])).replace(/^(\.\.(\/|$))+/, '')
    const f = join(root, rel)
    if (!existsSync(f) || !statSync(f).isFile()) return void res.writeHead(404).end()
    if (req.method === 'GET') gets.set(rel, (gets.get(rel) ?? 0) + 1)
    const size = statSync(f).size
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')
    if (m) {
      const [s, e] = [Number(m[1]), Math.min(Number(m[2]), size - 1)]
      res.writeHead(206, {'content-length': e - s + 1, 'content-range': `bytes ${s}-${e}/${size}`})
      return void createReadStream(f, {start: s, end: e}).pipe(res)
    }
    res.writeHead(200, {'content-length': size})
    if (req.method === 'HEAD') return void res.end()
    createReadStream(f).pipe(res)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as {port: number}).port
  return {base: `http://127.0.0.1:${port}`, port, gets, server, close: () => server.close()}
}

/** Deploy services whose "LiveOS" is a local dropbear (port and keys), with the facts it would report. */
export function liveosOn(store: Store, dataDir: string, sshd: {port: number; hostKeyLine: string; clientKey: Buffer; clientPub: string},
  disks: LiveOsFacts['disks'] = [], cfg: Parameters<typeof deployServices>[1] = {}): DeployServices {
  store.setFacts('n1', {liveos: liveosFacts({ip: '127.0.0.1', hostKeys: [sshd.hostKeyLine], disks}), liveos_callback_at: new Date().toISOString()})
  return deployServices(dataDir, cfg, {sshPrivateKey: sshd.clientKey, sshPublicKey: sshd.clientPub, liveosSshPort: sshd.port})
}
