import {Agent, request} from 'undici'

/**
 * Minimal Redfish HTTP client. Hand-written: npm's Redfish clients are vendor-bound or
 * unmaintained, and we need a handful of calls with session handling and TLS options.
 */
export interface RedfishClientOptions {
  /** e.g. https://10.0.0.5:443 (no path). */
  baseUrl: string
  username?: string
  password?: string
  /** Verify the BMC's TLS certificate (default true; self-signed BMCs need false). */
  verifyTls?: boolean
  timeoutMs?: number
  /** Try a session (X-Auth-Token) first; falls back to basic auth when refused. */
  useSessions?: boolean
}

export type RedfishFailure = 'http' | 'timeout' | 'network'

/** A failed Redfish exchange; `status` is set for HTTP errors. Never holds credentials. */
export class RedfishError extends Error {
  constructor(
    readonly failure: RedfishFailure,
    message: string,
    readonly status?: number,
    readonly during?: 'login' | 'request',
  ) {
    super(message)
    this.name = 'RedfishError'
  }
}

export interface RedfishResponse<T = any> {
  status: number
  body: T
  headers: Record<string, string | string[] | undefined>
}

export const SESSIONS_PATH = '/redfish/v1/SessionService/Sessions'

/** The most specific human message in a Redfish error body (`error.@Message.ExtendedInfo`). */
export function redfishMessage(body: unknown): string | undefined {
  const err = (body as {error?: {message?: string; '@Message.ExtendedInfo'?: {Message?: string}[]}})?.error
  const ext = err?.['@Message.ExtendedInfo']?.find((e) => e?.Message)?.Message
  return ext ?? err?.message
}

export class RedfishClient {
  private readonly agent: Agent
  private token?: string
  private sessionUri?: string
  private mode: 'none' | 'session' | 'basic' = 'none'

  constructor(private readonly opts: RedfishClientOptions) {
    const timeout = opts.timeoutMs ?? 15000
    this.agent = new Agent({
      connect: {rejectUnauthorized: opts.verifyTls ?? true, timeout},
      headersTimeout: timeout,
      bodyTimeout: timeout,
    })
  }

  /** How requests are authenticated once logged in ('none' before the first request). */
  get authMode(): 'none' | 'session' | 'basic' {
    return this.mode
  }

  async get<T = any>(path: string, signal?: AbortSignal): Promise<RedfishResponse<T>> {
    return this.authed('GET', path, undefined, {}, signal)
  }

  async post<T = any>(path: string, body: unknown, signal?: AbortSignal): Promise<RedfishResponse<T>> {
    return this.authed('POST', path, body, {}, signal)
  }

  async patch<T = any>(path: string, body: unknown, etag?: string, signal?: AbortSignal): Promise<RedfishResponse<T>> {
    return this.authed('PATCH', path, body, etag ? {'if-match': etag} : {}, signal)
  }

  /** Service root needs no authentication (Redfish spec), so it works before login. */
  async serviceRoot(signal?: AbortSignal): Promise<RedfishResponse> {
    return this.send('GET', '/redfish/v1', undefined, {}, signal)
  }

  /** Deletes our session (BMCs allow only a few); safe to call twice. */
  async close(): Promise<void> {
    try {
      if (this.mode === 'session' && this.sessionUri) {
        await this.send('DELETE', this.sessionUri, undefined, this.authHeaders()).catch(() => undefined)
      }
    } finally {
      this.token = undefined
      this.sessionUri = undefined
      this.mode = 'none'
      await this.agent.close().catch(() => undefined)
    }
  }

  private async authed(method: string, path: string, body: unknown, headers: Record<string, string>, signal?: AbortSignal): Promise<RedfishResponse> {
    if (this.mode === 'none') await this.login(signal)
    try {
      return await this.send(method, path, body, {...headers, ...this.authHeaders()}, signal)
    } catch (err) {
      // An expired session token: log in again once, then give up.
      if (this.mode !== 'session' || !(err instanceof RedfishError) || err.status !== 401) throw err
      this.mode = 'none'
      await this.login(signal)
      return this.send(method, path, body, {...headers, ...this.authHeaders()}, signal)
    }
  }

  private async login(signal?: AbortSignal): Promise<void> {
    if (this.opts.useSessions === false) { this.mode = 'basic'; return }
    try {
      const res = await this.send('POST', SESSIONS_PATH, {UserName: this.opts.username ?? '', Password: this.opts.password ?? ''}, {}, signal)
      const token = header(res.headers, 'x-auth-token')
      if (!token) { this.mode = 'basic'; return }
      this.token = token
      this.sessionUri = header(res.headers, 'location') ?? (res.body as {'@odata.id'?: string})?.['@odata.id']
      this.mode = 'session'
    } catch (err) {
      if (err instanceof RedfishError && err.failure === 'http' && err.status !== 401 && err.status !== 403) {
        this.mode = 'basic' // no session service: basic auth it is
        return
      }
      if (err instanceof RedfishError) throw new RedfishError(err.failure, err.message, err.status, 'login')
      throw err
    }
  }

  private authHeaders(): Record<string, string> {
    if (this.mode === 'session' && this.token) return {'x-auth-token': this.token}
    if (this.mode === 'basic') {
      const cred = Buffer.from(`${this.opts.username ?? ''}:${this.opts.password ?? ''}`).toString('base64')
      return {authorization: `Basic ${cred}`}
    }
    return {}
  }

  private async send(method: string, path: string, body: unknown, headers: Record<string, string>, signal?: AbortSignal): Promise<RedfishResponse> {
    const url = new URL(path, this.opts.baseUrl)
    let res
    try {
      res = await request(url, {
        method: method as 'GET',
        dispatcher: this.agent,
        signal,
        headers: {accept: 'application/json', 'odata-version': '4.0', ...(body === undefined ? {} : {'content-type': 'application/json'}), ...headers},
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    } catch (err) {
      throw transportError(err, method, url.pathname)
    }
    const text = await res.body.text().catch((err) => { throw transportError(err, method, url.pathname) })
    let parsed: unknown = undefined
    if (text) { try { parsed = JSON.parse(text) } catch { parsed = text } }
    if (res.statusCode >= 400) {
      const detail = redfishMessage(parsed) ?? (typeof parsed === 'string' ? parsed.slice(0, 200) : '')
      throw new RedfishError('http', `${method} ${url.pathname}: HTTP ${res.statusCode}${detail ? ` ${detail}` : ''}`, res.statusCode)
    }
    return {status: res.statusCode, body: parsed, headers: res.headers}
  }
}

function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name]
  return Array.isArray(v) ? v[0] : v
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'ABORT_ERR', 'UND_ERR_ABORTED'])

function transportError(err: unknown, method: string, path: string): RedfishError {
  const e = err as {code?: string; name?: string; message?: string; cause?: {code?: string; message?: string}}
  const code = e.code ?? e.cause?.code
  const timedOut = (code && TIMEOUT_CODES.has(code)) || e.name === 'AbortError' || e.name === 'TimeoutError'
  const msg = e.cause?.message ?? e.message ?? String(err)
  return new RedfishError(timedOut ? 'timeout' : 'network', `${method} ${path}: ${timedOut ? 'no answer' : msg}${code ? ` (${code})` : ''}`)
}
