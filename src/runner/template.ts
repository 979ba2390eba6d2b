/**
 * Jinja2 templating (Ansible flavour) on nunjucks: strict undefined variables, native
 * types for a lone `{{ expr }}`, Ansible's filters and tests. Compiled templates are cached.
 */
import nunjucks from 'nunjucks'
import {installFilters} from './filters.js'
import {installPythonCompare} from './compare.js'
import {Undef, isUndef, UndefinedVariableError, pyStr} from './undef.js'

export {UndefinedVariableError, isUndef} from './undef.js'

const env = new nunjucks.Environment(null, {autoescape: false, throwOnUndefined: false})
nunjucks.installJinjaCompat()
installPythonCompare()
installFilters(env)
// Rendering is synchronous, so one module-level slot safely carries an expression's value out.
let captured: unknown
env.addGlobal('__capture', (v: unknown) => { captured = v; return '' })

// Strict mode is scoped to our renders (sync), so other nunjucks users keep stock behaviour.
let strict = 0
const rt = nunjucks.runtime as unknown as Record<string, (...a: any[]) => any>
const origLookup = rt.contextOrFrameLookup
const origMember = rt.memberLookup
const origSuppress = rt.suppressValue
// Variables whose values are templates resolve when looked up, like Ansible's lazy templating.
let scope: Record<string, unknown> = {}
let depth = 0
function lazy(v: unknown): unknown {
  if (typeof v !== 'string' || !isTemplate(v)) return v
  if (depth > 30) throw new TemplateError(`recursive loop detected in template string: ${v}`)
  depth++
  try {
    return templateValue(v, scope)
  } finally {
    depth--
  }
}
rt.contextOrFrameLookup = function (this: unknown, context: any, frame: any, name: string) {
  const v = origLookup.call(this, context, frame, name)
  if (!strict) return v
  return v === undefined ? new Undef(name) : lazy(v)
}
rt.memberLookup = function (this: unknown, obj: any, key: any) {
  if (!strict) return origMember.call(this, obj, key)
  if (isUndef(obj)) return obj.child(key)
  if (obj == null) return new Undef(String(key), `None has no attribute '${String(key)}'`)
  const v = origMember.call(this, obj, key)
  if (v === undefined && !(typeof obj === 'object' && key in obj)) {
    return new Undef(String(key), `'${Array.isArray(obj) ? 'list' : typeof obj === 'string' ? 'str' : 'dict'} object' has no attribute '${String(key)}'`)
  }
  return lazy(v)
}
rt.suppressValue = function (this: unknown, val: any, autoescape: boolean) {
  if (!strict) return origSuppress.call(this, val, autoescape)
  if (isUndef(val)) throw new UndefinedVariableError(val.describe())
  return pyStr(val)
}

const cache = new Map<string, nunjucks.Template>()
function compiled(src: string): nunjucks.Template {
  let t = cache.get(src)
  if (!t) {
    if (cache.size > 20000) cache.clear()
    t = new nunjucks.Template(src, env, undefined, true)
    cache.set(src, t)
  }
  return t
}

/** True when the string holds template syntax (cheap pre-check so plain strings skip nunjucks). */
export function isTemplate(s: string): boolean {
  return s.includes('{{') || s.includes('{%') || s.includes('{#')
}

function renderRaw(src: string, vars: Record<string, unknown>): string {
  const outer = scope
  strict++
  scope = vars
  try {
    return compiled(src).render(vars)
  } catch (e) {
    throw cleanError(e)
  } finally {
    strict--
    scope = outer
  }
}

/** Renders a template to a string; an undefined variable throws UndefinedVariableError. */
export function renderTemplate(text: string, vars: Record<string, unknown>): string {
  return isTemplate(text) ? renderRaw(text, vars) : text
}

/** Nested dict literals end in `}}`, which nunjucks' lexer takes as the tag end; space them apart outside strings. */
function splitBraces(expr: string): string {
  if (!expr.includes('}}')) return expr
  let out = ''
  let quote = ''
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]
    if (quote) {
      if (c === '\\') { out += c + (expr[++i] ?? ''); continue }
      if (c === quote) quote = ''
    } else if (c === "'" || c === '"') quote = c
    else if (c === '}' && expr[i + 1] === '}') { out += '} '; continue }
    out += c
  }
  return out
}

/** Evaluates a bare Jinja2 expression (`when:` style) to a native value. */
export function evaluate(expr: string, vars: Record<string, unknown>): unknown {
  captured = undefined
  renderRaw(`{{ __capture((${splitBraces(expr)})) }}`, vars)
  const v = captured
  captured = undefined
  if (isUndef(v)) throw new UndefinedVariableError(v.describe())
  return v
}

const LONE = /^\s*\{\{((?:(?!\}\}|\{\{).)*)\}\}\s*$/s

const SIMPLE_VAR = /^\s*([A-Za-z_]\w*)\s*$/

/**
 * ansible-core 2.14's (non-native) result types for a string that is exactly one `{{ expr }}`:
 * a bare variable holding a number or bool is returned as is; otherwise lists, dicts and
 * booleans keep their type while numbers and None become text ("3", "None").
 */
function loneValue(expr: string, vars: Record<string, unknown>): unknown {
  const simple = SIMPLE_VAR.exec(expr)
  if (simple) {
    const v = vars[simple[1]]
    if (typeof v === 'number' || typeof v === 'boolean') return v
  }
  const v = evaluate(expr, vars)
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan'
  if (v === null || v === undefined) return 'None'
  if (v === 'True' || v === 'False') return v === 'True'
  return v
}

/** Templates a value recursively (strings, lists, dicts), with Ansible's result types. */
export function templateValue(value: unknown, vars: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    if (!isTemplate(value)) return value
    const m = LONE.exec(value)
    if (m) return loneValue(m[1], vars)
    const out = renderRaw(value, vars)
    return out === 'True' || out === 'False' ? out === 'True' : out
  }
  if (Array.isArray(value)) return value.map((v) => templateValue(v, vars))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = templateValue(v, vars)
    return out
  }
  return value
}

/** Jinja2 truthiness (empty list/dict false, unlike JS). */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0
  if (v && typeof v === 'object') return Object.keys(v).length > 0
  if (typeof v === 'string') return v.length > 0 && !['false', 'no', 'off', '0'].includes(v.toLowerCase())
  return Boolean(v)
}

/** Evaluates a `when`-style condition: bare expression, bool, or a string holding `{{ }}`. */
export function condition(cond: unknown, vars: Record<string, unknown>): boolean {
  if (typeof cond === 'boolean') return cond
  if (cond == null) return false
  if (typeof cond !== 'string') return truthy(cond)
  const m = LONE.exec(cond)
  if (m) return truthy(evaluate(m[1], vars))
  // Ansible templates a conditional holding {{ }} first, then evaluates what it produced.
  return truthy(evaluate(isTemplate(cond) ? renderRaw(cond, vars) : cond, vars))
}

function cleanError(e: unknown): Error {
  if (e instanceof UndefinedVariableError) return e
  const err = e as Error
  // nunjucks wraps errors from filters; dig out an UndefinedVariableError and drop its frame noise.
  const cause = (err as {cause?: unknown}).cause
  if (cause instanceof UndefinedVariableError) return cause
  const m = /UndefinedVariableError: (.*)/.exec(err.message)
  if (m) return new UndefinedVariableError(m[1])
  const msg = err.message.replace(/^\(unknown path\)\s*/, '').replace(/\s+/g, ' ').trim()
  return new TemplateError(msg)
}

export class TemplateError extends Error {
  override name = 'TemplateError'
}
