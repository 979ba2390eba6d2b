import type {IncomingMessage, ServerResponse} from 'node:http'
import type {Logger} from '../../log.js'

/** A tiny method + path router so later work can hang API routes on the boot HTTP server. */

export interface RouteContext {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  /** Named groups from the pattern (`:mac` in strings, `(?<mac>…)` in RegExps), URI-decoded. */
  params: Record<string, string>
  remoteAddress: string
  log: Logger
}

export type RouteHandler = (ctx: RouteContext) => void | Promise<void>

interface Route {
  method: string
  regex: RegExp
  handler: RouteHandler
}

/** '/boot/:mac.ipxe' → /^\/boot\/(?<mac>[^/]+?)\.ipxe$/ */
export function compilePattern(pattern: string | RegExp): RegExp {
  if (pattern instanceof RegExp) return pattern
  if (!pattern.startsWith('/')) throw new RangeError(`route pattern must start with '/': ${pattern}`)
  const src = pattern.replace(/:([A-Za-z_]\w*)|([.*+?^${}()|[\]\\/])/g, (_m, name: string | undefined, ch: string | undefined) =>
    name ? `(?<${name}>[^/]+?)` : `\\${ch}`)
  return new RegExp(`^${src}$`)
}

export type RouteMatch = {handler: RouteHandler; params: Record<string, string>} | {allowed: string[]} | undefined

export class Router {
  private routes: Route[] = []

  add(method: string, pattern: string | RegExp, handler: RouteHandler): void {
    this.routes.push({method: method.toUpperCase(), regex: compilePattern(pattern), handler})
  }

  /**
   * The handler for `method path`; HEAD falls back to GET routes (node drops the body).
   * When only other methods match, returns them (for 405 + Allow); undefined when none.
   */
  match(method: string, path: string): RouteMatch {
    const allowed: string[] = []
    for (const want of method === 'HEAD' ? ['HEAD', 'GET'] : [method]) {
      for (const r of this.routes) {
        const m = r.regex.exec(path)
        if (!m) continue
        if (r.method !== want) { allowed.push(r.method); continue }
        const params: Record<string, string> = {}
        for (const [k, v] of Object.entries(m.groups ?? {})) if (v !== undefined) params[k] = safeDecode(v)
        return {handler: r.handler, params}
      }
    }
    return allowed.length ? {allowed: [...new Set(allowed)]} : undefined
  }
}

function safeDecode(s: string): string {
  try { return decodeURIComponent(s) } catch { return s }
}
