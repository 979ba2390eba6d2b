/**
 * Module params: free-form `k=v` parsing, load-time key checks, and run-time coercion
 * like Ansible's AnsibleModule ('yes'→true, '5'→5, defaults, choices, aliases).
 */
import type {ParamSpec, TaskModule} from '../tasks/types.js'
import {hint} from './suggest.js'
import {isTemplate} from './template.js'

/** Splits `a=1 b="two words" rest` into tokens, honouring quotes. */
export function splitArgs(s: string): string[] {
  const out: string[] = []
  const re = /(?:[^\s"']+|"(?:\\.|[^"])*"|'(?:\\.|[^'])*')+/g
  for (const m of s.matchAll(re)) out.push(m[0])
  return out
}

const unquote = (s: string) => (/^(["']).*\1$/s.test(s) ? s.slice(1, -1) : s)

/** Free-form string → args dict. Modules with `freeForm` keep everything that is not a known `k=v`. */
export function parseFreeForm(mod: TaskModule, text: string): {args: Record<string, unknown>; error?: string} {
  const args: Record<string, unknown> = {}
  const rest: string[] = []
  const known = new Set(Object.entries(mod.params).flatMap(([k, s]) => [k, ...(s.aliases ?? [])]))
  for (const tok of splitArgs(text)) {
    const m = /^([A-Za-z_][\w]*)=(.*)$/s.exec(tok)
    if (m && (!mod.freeForm || (known.has(m[1]) && m[1] !== mod.freeForm))) args[m[1]] = unquote(m[2])
    else rest.push(tok)
  }
  if (mod.freeForm) {
    const raw = text.trim()
    // Keep the user's exact spacing when no k=v options were pulled out.
    if (rest.length) args[mod.freeForm] = Object.keys(args).length ? rest.join(' ') : raw
  } else if (rest.length) {
    return {args, error: `module ${mod.name} takes key=value arguments, got "${rest[0]}"`}
  }
  return {args}
}

/** The canonical param name for a key or alias; `'*'` in a schema accepts any other key. */
function resolveName(mod: TaskModule, key: string): string | undefined {
  if (mod.params[key] && key !== '*') return key
  return Object.keys(mod.params).find((k) => mod.params[k].aliases?.includes(key)) ?? (mod.params['*'] ? key : undefined)
}

/** Load-time check: unknown keys (with a hint) and missing required ones. */
export function checkArgs(mod: TaskModule, args: Record<string, unknown>): string[] {
  const errors: string[] = []
  const names = Object.entries(mod.params).flatMap(([k, s]) => [k, ...(s.aliases ?? [])]).filter((k) => k !== '*')
  for (const key of Object.keys(args)) {
    if (!resolveName(mod, key)) errors.push(`unsupported parameter "${key}" for module ${mod.name} (${hint(key, names)})`)
  }
  for (const [k, spec] of Object.entries(mod.params)) {
    if (spec.required && !Object.keys(args).some((a) => resolveName(mod, a) === k)) errors.push(`missing required parameter "${k}" for module ${mod.name}`)
  }
  return errors
}

export class ParamError extends Error {
  override name = 'ParamError'
}

const TRUE = ['yes', 'on', '1', 'true', 'y', 't']
const FALSE = ['no', 'off', '0', 'false', 'n', 'f', '']

function coerce(name: string, spec: ParamSpec, v: unknown, type = spec.type): unknown {
  const bad = (what: string) => new ParamError(`parameter ${name}: ${spec.secret ? 'value' : JSON.stringify(v)} is not ${what}`)
  switch (type) {
    case 'str':
    case 'path':
      if (v !== null && typeof v === 'object') throw bad('a string')
      return String(v)
    case 'int': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v) ? Number(v) : NaN
      if (!Number.isInteger(n)) throw bad('an integer')
      return n
    }
    case 'float': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN
      if (!Number.isFinite(n)) throw bad('a number')
      return n
    }
    case 'bool': {
      if (typeof v === 'boolean') return v
      const s = String(v).toLowerCase()
      if (TRUE.includes(s)) return true
      if (FALSE.includes(s)) return false
      throw bad('a boolean')
    }
    case 'list': {
      const list = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : [v]
      return spec.elements ? list.map((x) => coerce(name, spec, x, spec.elements)) : list
    }
    case 'dict':
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad('a mapping')
      return v
    case 'duration':
      return parseDuration(name, v)
    default:
      return v
  }
}

/** Seconds from 30, '30', '30s', '5m', '1h'. */
export function parseDuration(name: string, v: unknown): number {
  if (typeof v === 'number' && v >= 0) return v
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(String(v))
  if (!m) throw new ParamError(`parameter ${name}: ${JSON.stringify(v)} is not a duration (e.g. 30, 30s, 5m)`)
  const mult = {ms: 0.001, s: 1, m: 60, h: 3600}[m[2] ?? 's'] as number
  return Number(m[1]) * mult
}

/** Run-time: templated args → typed params with defaults applied. */
export function coerceParams(mod: TaskModule, args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(args)) {
    const name = resolveName(mod, key)
    if (!name) throw new ParamError(checkArgs(mod, {[key]: value})[0])
    const spec = mod.params[name] ?? mod.params['*']
    if (spec === mod.params['*']) {
      out[name] = value
      continue
    }
    if (value === null || value === undefined) continue
    const v = coerce(name, spec, value)
    if (spec.choices && !spec.choices.includes(v)) {
      throw new ParamError(`parameter ${name}: ${spec.secret ? 'value' : JSON.stringify(v)} is not one of ${spec.choices.map((c) => JSON.stringify(c)).join(', ')}`)
    }
    out[name] = v
  }
  for (const [name, spec] of Object.entries(mod.params)) {
    if (name === '*') continue
    if (out[name] === undefined && spec.default !== undefined) out[name] = spec.default
    if (out[name] === undefined && spec.required) throw new ParamError(`missing required parameter "${name}" for module ${mod.name}`)
  }
  return out
}

/** Params safe to show in events: secret values replaced. */
export function redactParams(mod: TaskModule, params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(params)) out[k] = mod.params[k]?.secret ? '********' : v
  return out
}

/** Values of secret params, to scrub from messages a module returns. */
export function secretValues(mod: TaskModule, params: Record<string, unknown>): string[] {
  return Object.entries(mod.params).filter(([k, s]) => s.secret && params[k] != null && String(params[k]).length > 0).map(([k]) => String(params[k]))
}

export {isTemplate}
