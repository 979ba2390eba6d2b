/**
 * `bmpctl serve`: DHCP, TFTP and HTTP (boot scripts, images, call-back API) over the state
 * store, all under one AbortController. Policy lives in the store-backed backends.
 */
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {layout, loadConfig, type ManagerConfig, type ManagerLayout} from '../config/config.js'
import {EnvironmentError} from '../errors.js'
import type {Logger} from '../log.js'
import {createNodeIndex, createStoreDhcpBackend, createStoreHttpBackend, createStoreTftpBackend} from '../servers/backends/index.js'
import {parseDhcpConfig, startDhcpServer, type DhcpConfig, type DhcpServer} from '../servers/dhcp/index.js'
import {sendJson} from '../servers/http/routes.js'
import {startHttpServer, type HttpServer} from '../servers/http/server.js'
import {startTftpServer, type TftpServer} from '../servers/tftp/server.js'
import {openStore, type Store} from '../state/store.js'
import {createBootRenderer, publicKeyReader} from './serve-pxe.js'

export interface ServeOptions {
  dataDir: string
  log: Logger
  signal?: AbortSignal
  /** BMPCTL_DHCP_PORT / BMPCTL_DHCP_PROXY_PORT move DHCP off 67/4011 (tests). */
  env?: NodeJS.ProcessEnv
}

export interface ServiceStatus {
  name: 'dhcp' | 'tftp' | 'http'
  state: 'running' | 'off'
  port?: number
  detail?: Record<string, unknown>
}

export interface RunningServe {
  config: ManagerConfig
  layout: ManagerLayout
  status(): ServiceStatus[]
  /** Closes every service, then the store; safe to call twice. */
  close(): Promise<void>
}

/** The DHCP server's config from config.yaml. */
export function dhcpConfigFor(cfg: ManagerConfig, lay: ManagerLayout): DhcpConfig {
  const arm64 = existsSync(join(lay.tftpRoot, 'arm64', 'snponly.efi')) ? 'arm64/snponly.efi' : undefined
  return parseDhcpConfig({
    serverIp: lay.serverIp,
    subnet: `${lay.cidr.network}/${lay.cidr.prefix}`,
    mode: cfg.dhcp.mode,
    range: cfg.dhcp.range,
    leaseTimeSec: cfg.dhcp.leaseTimeSec,
    routers: cfg.dhcp.routers,
    dns: cfg.dhcp.dns,
    httpBase: lay.httpBase,
    autoDiscover: cfg.dhcp.autoDiscover,
    bootFiles: {bios: 'undionly.kpxe', efi64: 'snponly.efi', ...(arm64 ? {arm64} : {})},
  }, `${lay.configFile} (dhcp)`)
}

function portFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = env[name]
  if (v === undefined || v === '') return fallback
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new EnvironmentError(`${name}=${JSON.stringify(v)} is not a port number`)
  return n
}

/** Names the service and port in a bind failure (exit 3). */
function named<T>(service: string, port: number, start: () => Promise<T>): Promise<T> {
  return start().catch((err: unknown) => {
    if (err instanceof EnvironmentError) {
      throw new EnvironmentError(`${service} port ${port}: ${err.message}`, err.hint ?? `stop whatever holds port ${port} or change it in config.yaml`)
    }
    throw err
  })
}

export async function startServe(opts: ServeOptions): Promise<RunningServe> {
  const env = opts.env ?? process.env
  const config = await loadConfig(opts.dataDir)
  const lay = layout(opts.dataDir, config)
  const dhcpConfig = config.dhcp.mode === 'off' ? undefined : dhcpConfigFor(config, lay)
  const dhcpPort = portFromEnv(env, 'BMPCTL_DHCP_PORT', 67)
  const proxyPort = portFromEnv(env, 'BMPCTL_DHCP_PROXY_PORT', 4011)
  const abort = new AbortController()
  const store: Store = openStore(opts.dataDir)
  const log = opts.log
  const index = createNodeIndex(store, lay.cidr)
  const render = createBootRenderer({httpBase: lay.httpBase, sshPublicKey: publicKeyReader(lay.sshKey)})
  let dhcp: DhcpServer | undefined, tftp: TftpServer | undefined, http: HttpServer | undefined

  const status = (): ServiceStatus[] => [
    dhcp ? {name: 'dhcp', state: 'running', port: dhcpPort, detail: {mode: config.dhcp.mode, ...dhcp.stats()}} : {name: 'dhcp', state: 'off', detail: {mode: config.dhcp.mode}},
    tftp ? {name: 'tftp', state: 'running', port: tftp.port, detail: {...tftp.stats()}} : {name: 'tftp', state: 'off'},
    http ? {name: 'http', state: 'running', port: http.port} : {name: 'http', state: 'off'},
  ]
  let closing: Promise<void> | undefined
  const close = () => (closing ??= (async () => {
    abort.abort()
    await Promise.allSettled([dhcp?.close(), tftp?.close(), http?.close()])
    store.close()
    log.info('serve: stopped')
  })())

  try {
    const signal = abort.signal
    if (dhcpConfig) {
      const backend = createStoreDhcpBackend({store, subnet: lay.cidr, log: log.child({service: 'dhcp'}), index})
      dhcp = await named('DHCP', dhcpPort, () => startDhcpServer({config: dhcpConfig, backend, log: log.child({service: 'dhcp'}), signal, port: dhcpPort, proxyPort}))
    }
    const tftpLog = log.child({service: 'tftp'})
    tftp = await named('TFTP', config.tftp.port, () => startTftpServer({root: lay.tftpRoot, port: config.tftp.port, log: tftpLog, signal,
      backend: createStoreTftpBackend({store, index, render, log: tftpLog})}))
    const httpLog = log.child({service: 'http'})
    const httpBackend = {...createStoreHttpBackend({store, index, render, log: httpLog}), health: () => ({services: status()})}
    http = await named('HTTP', config.http.port, () => startHttpServer({root: lay.httpRoot, port: config.http.port, log: httpLog, signal,
      backend: httpBackend}))
    http.addRoute('GET', '/v1/status', ({res}) => sendJson(res, 200, {status: 'ok', services: status()}))
  } catch (err) {
    await close()
    throw err
  }
  opts.signal?.addEventListener('abort', () => void close(), {once: true})
  log.info('serve: ready', {address: lay.serverIp, httpBase: lay.httpBase, services: status().map((s) => `${s.name}:${s.state}`)})
  return {config, layout: lay, status, close}
}

/** Runs until `signal` aborts (SIGTERM/SIGINT in the command), then shuts down cleanly. */
export async function serve(opts: ServeOptions & {signal: AbortSignal}): Promise<void> {
  const running = await startServe(opts)
  if (!opts.signal.aborted) await new Promise<void>((resolve) => opts.signal.addEventListener('abort', () => resolve(), {once: true}))
  await running.close()
}
