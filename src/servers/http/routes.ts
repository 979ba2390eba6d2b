import type {ServerResponse} from 'node:http'
import {normalizeMac} from '../../util/net.js'
import {HttpInputError, readJson} from './body.js'
import type {RouteContext, Router} from './router.js'

/** The built-in routes: health, per-MAC iPXE scripts, LiveOS call-back. */

export interface CallbackRequest {
  /** From `Authorization: Bearer …`; never log it. */
  token?: string
  body: unknown
  remoteAddress: string
}

/** Narrow port to the state store; every member is optional (404/501 when absent). */
export interface HttpBackend {
  /** iPXE script text for a node's MAC (lower-case colon form), or undefined when unknown. */
  bootScript?(mac: string): string | undefined | Promise<string | undefined>
  callback?(req: CallbackRequest): Promise<{status: number; body: unknown}>
  /** `node` is a MAC or a client IP; the backend ignores ones it does not know. kind `http.fetch`, … */
  event?(node: string, kind: string, message: string, data?: Record<string, unknown>): void
  /** Extra fields for `GET /healthz` (e.g. the state of sibling services). */
  health?(): Record<string, unknown>
}

export const CALLBACK_BODY_LIMIT = 1024 * 1024

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? null)
  res.writeHead(status, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store'})
  res.end(text)
}

function sendText(res: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, {'Content-Type': type, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store'})
  res.end(text)
}

export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')
  return m?.[1]
}

export function addBuiltinRoutes(router: Router, backend: HttpBackend | undefined, startedAt: number): void {
  router.add('GET', '/healthz', ({res}) => sendJson(res, 200, {status: 'ok', uptime: Math.round((Date.now() - startedAt) / 1000), ...backend?.health?.()}))

  router.add('GET', '/boot/:mac.ipxe', async ({res, params, log, remoteAddress}: RouteContext) => {
    const mac = normalizeMac(params.mac)
    if (!mac) return sendJson(res, 400, {error: `not a MAC address: ${params.mac}`})
    if (!backend?.bootScript) return sendJson(res, 501, {error: 'boot scripts are not configured'})
    const script = await backend.bootScript(mac)
    if (script === undefined) {
      log.info('no boot script for MAC', {mac, client: remoteAddress})
      backend.event?.(mac, 'http.fetch', 'boot script requested but none is configured', {status: 404, client: remoteAddress})
      return sendJson(res, 404, {error: `no boot script for ${mac}`})
    }
    backend.event?.(mac, 'http.fetch', 'boot script served', {status: 200, client: remoteAddress, bytes: Buffer.byteLength(script)})
    sendText(res, 200, script)
  })

  router.add('POST', '/v1/callback', async ({req, res, remoteAddress}: RouteContext) => {
    if (!backend?.callback) return sendJson(res, 501, {error: 'callbacks are not configured'})
    const body = await readJson(req, CALLBACK_BODY_LIMIT)
    const out = await backend.callback({token: bearerToken(req.headers.authorization), body, remoteAddress})
    sendJson(res, out.status, out.body)
  })
}

export {HttpInputError}
