import {randomBytes, timingSafeEqual} from 'node:crypto'
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import type {Logger} from '../../log.js'
import type {Machine} from '../machine.js'
import {
  BOOT_ENABLED, BOOT_MODES, BOOT_TARGETS, RESET_TYPES,
  bootSetting, collection, errorDoc, manager, serviceRoot, sessionDoc, system,
  type BootOverride,
} from './redfish-resources.js'

/**
 * A Redfish virtual BMC in front of a Machine, for the lab and tests. Plain HTTP on
 * purpose: it only listens on loopback or inside lab namespaces, never on a real network.
 */
export interface RedfishVbmcOptions {
  machine: Machine
  port: number
  bindAddress?: string
  username: string
  password: string
  systemId?: string
  log?: Logger
  signal?: AbortSignal
}

export interface RedfishVbmc {
  port: number
  /** Sessions currently open (for tests checking that clients log out). */
  activeSessions(): number
  /** Sessions ever created (to prove a client really used one). */
  sessionsOpened(): number
  close(): Promise<void>
}

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) { super(message) }
}

export async function startRedfishVbmc(opts: RedfishVbmcOptions): Promise<RedfishVbmc> {
  const vbmc = new RedfishVbmcHandler(opts)
  const server = createServer((req, res) => { void vbmc.handle(req, res) })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.bindAddress ?? '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  const close = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  opts.signal?.addEventListener('abort', () => void close(), {once: true})
  const port = (server.address() as AddressInfo).port
  opts.log?.info('redfish vbmc listening', {port, machine: opts.machine.name})
  return {port, activeSessions: () => vbmc.sessions.size, sessionsOpened: () => vbmc.opened, close}
}

const V1 = '/redfish/v1'

class RedfishVbmcHandler {
  readonly sessions = new Map<string, {token: string; user: string}>()
  opened = 0
  private override: BootOverride = {target: 'None', enabled: 'Disabled', mode: 'UEFI'}
  private generation = 1
  private queue: Promise<unknown> = Promise.resolve()
  private readonly id: string

  constructor(private readonly opts: RedfishVbmcOptions) {
    this.id = opts.systemId ?? 'system-1'
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '') || '/'
    try {
      const body = await readJson(req)
      const out = await this.route(req.method ?? 'GET', path, req, body, res)
      if (out === undefined) { res.writeHead(204).end(); return }
      send(res, res.statusCode || 200, out)
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, 'InternalError', (err as Error).message)
      if (e.status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="bmpctl-vbmc"')
      send(res, e.status, errorDoc(e.code, e.message))
    } finally {
      this.opts.log?.debug('redfish vbmc request', {method: req.method, path, status: res.statusCode})
    }
  }

  private async route(method: string, path: string, req: IncomingMessage, body: any, res: ServerResponse): Promise<object | undefined> {
    const sys = `${V1}/Systems/${this.id}`
    if (path === '/redfish' && method === 'GET') return {v1: `${V1}/`}
    if (path === V1 && method === 'GET') return serviceRoot(this.id)
    if (path === `${V1}/SessionService/Sessions` && method === 'POST') return this.login(body, res)
    this.authenticate(req)
    if (method === 'GET') {
      if (path === `${V1}/Systems`) return collection('ComputerSystem', `${V1}/Systems`, [this.id])
      if (path === sys) return this.systemDoc(res)
      if (path === `${V1}/Managers`) return collection('Manager', `${V1}/Managers`, [this.id])
      if (path === `${V1}/Managers/${this.id}`) return manager(this.id)
      if (path === `${V1}/SessionService`) return {'@odata.id': `${V1}/SessionService`, Id: 'SessionService', ServiceEnabled: true, Sessions: {'@odata.id': `${V1}/SessionService/Sessions`}}
      if (path === `${V1}/SessionService/Sessions`) return collection('Session', path, [...this.sessions.keys()])
      const s = this.sessionFor(path)
      if (s) return sessionDoc(s[0], s[1].user)
    }
    if (method === 'DELETE') {
      const s = this.sessionFor(path)
      if (s) { this.sessions.delete(s[0]); return undefined }
    }
    if (method === 'PATCH' && path === sys) return this.patchSystem(req, body, res)
    if (method === 'POST' && path === `${sys}/Actions/ComputerSystem.Reset`) return this.reset(body)
    const known = [sys, `${V1}/Systems`, `${V1}/Managers`, `${V1}/Managers/${this.id}`, `${sys}/Actions/ComputerSystem.Reset`]
    if (known.includes(path)) throw new HttpError(405, 'OperationNotAllowed', `${method} not allowed on ${path}`)
    throw new HttpError(404, 'ResourceMissingAtURI', `no resource at ${path}`)
  }

  private login(body: any, res: ServerResponse): object {
    if (!this.credentialsOk(String(body?.UserName ?? ''), String(body?.Password ?? ''))) {
      throw new HttpError(401, 'NoValidSession', 'invalid username or password')
    }
    const id = randomBytes(8).toString('hex')
    const token = randomBytes(24).toString('base64url')
    this.sessions.set(id, {token, user: String(body.UserName)})
    this.opened++
    res.statusCode = 201
    res.setHeader('X-Auth-Token', token)
    res.setHeader('Location', `${V1}/SessionService/Sessions/${id}`)
    return sessionDoc(id, String(body.UserName))
  }

  private authenticate(req: IncomingMessage): void {
    const token = req.headers['x-auth-token']
    if (typeof token === 'string' && [...this.sessions.values()].some((s) => s.token === token)) return
    const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '')
    if (m) {
      const [user, ...rest] = Buffer.from(m[1], 'base64').toString().split(':')
      if (this.credentialsOk(user, rest.join(':'))) return
    }
    throw new HttpError(401, 'NoValidSession', 'authentication required')
  }

  private credentialsOk(user: string, password: string): boolean {
    return safeEqual(user, this.opts.username) && safeEqual(password, this.opts.password)
  }

  private sessionFor(path: string): [string, {token: string; user: string}] | undefined {
    const m = new RegExp(`^${V1}/SessionService/Sessions/([^/]+)$`).exec(path)
    const s = m && this.sessions.get(m[1])
    return s ? [m![1], s] : undefined
  }

  private async systemDoc(res: ServerResponse): Promise<object> {
    res.setHeader('ETag', `W/"${this.generation}"`)
    return system(this.id, this.opts.machine.name, await this.opts.machine.powerState(), this.override)
  }

  private async patchSystem(req: IncomingMessage, body: any, res: ServerResponse): Promise<object> {
    const ifMatch = req.headers['if-match']
    if (ifMatch && ifMatch !== '*' && ifMatch !== `W/"${this.generation}"`) {
      throw new HttpError(412, 'PreconditionFailed', 'ETag does not match the current resource')
    }
    const boot = body?.Boot
    const extra = Object.keys(body ?? {}).filter((k) => k !== 'Boot')
    if (!boot || typeof boot !== 'object' || extra.length) {
      throw new HttpError(400, 'PropertyNotWritable', `only Boot can be patched${extra.length ? ` (got ${extra.join(', ')})` : ''}`)
    }
    const next = {...this.override}
    pick(boot, 'BootSourceOverrideTarget', BOOT_TARGETS, (v) => { next.target = v })
    pick(boot, 'BootSourceOverrideEnabled', BOOT_ENABLED, (v) => { next.enabled = v })
    pick(boot, 'BootSourceOverrideMode', BOOT_MODES, (v) => { next.mode = v })
    this.override = next
    this.generation++
    return this.systemDoc(res)
  }

  private async reset(body: any): Promise<undefined> {
    const type = body?.ResetType
    if (!RESET_TYPES.includes(type)) {
      throw new HttpError(400, 'ActionParameterValueNotInList', `ResetType ${JSON.stringify(type)} not in ${RESET_TYPES.join(', ')}`)
    }
    // One machine operation at a time, in arrival order, as a real BMC serialises them.
    const run = this.queue.then(() => this.applyReset(type))
    this.queue = run.catch(() => undefined)
    await run
    return undefined
  }

  private async applyReset(type: (typeof RESET_TYPES)[number]): Promise<void> {
    const m = this.opts.machine
    const on = (await m.powerState()) === 'on'
    if (type === 'ForceOff') return on ? m.powerOff(true) : undefined
    if (type === 'GracefulShutdown') return on ? m.powerOff(false) : undefined
    if (type === 'On' && on) return
    if (type === 'PowerCycle' && on) await m.powerOff(true)
    const boot = bootSetting(this.override)
    if (type === 'ForceRestart' && on) await m.reset(boot)
    else await m.powerOn(boot)
    this.bootHappened()
  }

  /** A one-time override is used up by the boot it applied to. */
  private bootHappened(): void {
    if (this.override.enabled !== 'Once') return
    this.override = {...this.override, enabled: 'Disabled', target: 'None'}
    this.generation++
  }
}

function pick<T extends string>(boot: Record<string, unknown>, key: string, allowed: readonly T[], set: (v: T) => void): void {
  if (!(key in boot)) return
  const v = boot[key] as T
  if (!allowed.includes(v)) throw new HttpError(400, 'PropertyValueNotInList', `${key} ${JSON.stringify(v)} not in ${allowed.join(', ')}`)
  set(v)
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  const text = Buffer.concat(chunks).toString()
  if (!text.trim()) return undefined
  try {
    return JSON.parse(text)
  } catch {
    throw new HttpError(400, 'MalformedJSON', 'request body is not valid JSON')
  }
}

function send(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {'Content-Type': 'application/json', 'OData-Version': '4.0', 'Content-Length': Buffer.byteLength(text)})
  res.end(text)
}
