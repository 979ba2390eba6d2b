import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import {realpath} from 'node:fs/promises'
import {EnvironmentError} from '../../errors.js'
import type {Logger} from '../../log.js'
import {HttpInputError} from './body.js'
import {Router, type RouteHandler} from './router.js'
import {addBuiltinRoutes, sendJson, type HttpBackend} from './routes.js'
import {serveStatic} from './static.js'

export type {HttpBackend, CallbackRequest} from './routes.js'
export type {RouteContext, RouteHandler} from './router.js'

/**
 * The boot HTTP server (node:http): static files under `root`, iPXE scripts per MAC,
 * the LiveOS call-back, and a router for routes added later. It only wires; policy lives
 * behind the backend port.
 */

export interface HttpServerOptions {
  port?: number
  bindAddress?: string
  root: string
  log: Logger
  signal?: AbortSignal
  backend?: HttpBackend
}

export interface HttpServer {
  port: number
  close(): Promise<void>
  addRoute(method: string, pattern: string | RegExp, handler: RouteHandler): void
}

export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const rootReal = await realpath(opts.root).catch((err: Error) => {
    throw new EnvironmentError(`HTTP root ${opts.root} is not usable: ${err.message}`, 'create the directory or fix --http-root')
  })
  const router = new Router()
  addBuiltinRoutes(router, opts.backend, Date.now())
  const server = createServer({keepAliveTimeout: 5000}, (req, res) => void handle(req, res, router, rootReal, opts))
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new EnvironmentError(`HTTP cannot listen on ${opts.bindAddress ?? '0.0.0.0'}:${opts.port ?? 80}: ${err.message}`, 'another web server may hold the port, or run as root for port 80')))
    server.listen(opts.port ?? 80, opts.bindAddress ?? '0.0.0.0', () => resolve())
  })
  server.on('error', (err) => opts.log.error('http server error', {error: err.message}))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 80)
  opts.log.info('http listening', {address: opts.bindAddress ?? '0.0.0.0', port, root: rootReal})

  let closed: Promise<void> | undefined
  const close = () => (closed ??= new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  }))
  opts.signal?.addEventListener('abort', () => void close(), {once: true})
  return {port, close, addRoute: (method, pattern, handler) => router.add(method, pattern, handler)}
}

async function handle(req: IncomingMessage, res: ServerResponse, router: Router, rootReal: string, opts: HttpServerOptions): Promise<void> {
  const started = Date.now()
  const remoteAddress = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '')
  const url = new URL(req.url ?? '/', 'http://localhost')
  let bytes: number | undefined
  let refused: string | undefined
  try {
    if (climbsOut(req.url ?? '/')) {
      // WHATWG URL parsing folds '..' away; refuse on the raw target so the attempt is logged.
      refused = 'path escapes the root'
      return sendJson(res, 403, {error: 'forbidden'})
    }
    const m = router.match(req.method ?? 'GET', url.pathname)
    if (m && 'handler' in m) return await m.handler({req, res, url, params: m.params, remoteAddress, log: opts.log})
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', m?.allowed.join(', ') ?? 'GET, HEAD')
      return sendJson(res, 405, {error: `method ${req.method} not allowed`})
    }
    const out = await serveStatic(req, res, rootReal, url.pathname)
    bytes = out.bytes
    refused = out.refused
    if (out.status === 403 || out.status === 404) sendJson(res, out.status, {error: out.status === 403 ? 'forbidden' : 'not found'})
    if (out.path && out.status < 400) opts.backend?.event?.(remoteAddress, 'http.fetch', `${req.method} /${out.path}`, {status: out.status, bytes: out.bytes, ms: Date.now() - started})
  } catch (err) {
    failed(err, req, res, url, opts.log)
  } finally {
    // Path only: query strings may carry tokens.
    const entry = {method: req.method, path: url.pathname, status: res.statusCode, bytes: bytes ?? Number(res.getHeader('content-length') ?? 0), ms: Date.now() - started, client: remoteAddress}
    if (refused) opts.log.warn('http request refused', {...entry, reason: refused})
    else opts.log.info('http request', entry)
  }
}

function climbsOut(target: string): boolean {
  const path = target.split('?')[0]
  let decoded: string
  try { decoded = decodeURIComponent(path) } catch { return true }
  return decoded.replace(/\\/g, '/').split('/').includes('..')
}

/** Answers an error without leaking internals; a broken download is just logged. */
function failed(err: unknown, req: IncomingMessage, res: ServerResponse, url: URL, log: Logger): void {
  if (err instanceof HttpInputError) {
    if (!res.headersSent) {
      res.setHeader('Connection', 'close')
      sendJson(res, err.status, {error: err.message})
    }
    return
  }
  const e = err as NodeJS.ErrnoException
  if (res.headersSent) {
    if (e.code !== 'ERR_STREAM_PREMATURE_CLOSE') log.warn('http response aborted', {path: url.pathname, error: e.message})
    res.destroy()
    return
  }
  log.error('http handler failed', {method: req.method, path: url.pathname, error: e.message, stack: e.stack})
  sendJson(res, 500, {error: 'internal error'})
}
