/** Ansible's common Jinja2 filters and tests, registered on the nunjucks environment. */
import {createHash} from 'node:crypto'
import {posix} from 'node:path'
import YAML from 'yaml'
import type nunjucks from 'nunjucks'
import {Undef, isUndef, assertDefined, UndefinedVariableError, pyStr} from './undef.js'
import {tests} from './tests.js'

type Fn = (...args: any[]) => unknown
type Kw = Record<string, unknown>

/** nunjucks passes `name=value` arguments as a trailing object tagged __keywords. */
export function splitKw(args: unknown[]): [unknown[], Kw] {
  const last = args[args.length - 1] as Kw | undefined
  if (last && typeof last === 'object' && (last as {__keywords?: boolean}).__keywords) {
    const {__keywords, ...kw} = last
    return [args.slice(0, -1), kw]
  }
  return [args, {}]
}

const toList = (v: unknown): unknown[] => {
  if (Array.isArray(v)) return v
  if (typeof v === 'string') return [...v]
  if (v && typeof v === 'object') return Object.keys(v)
  if (v == null) return []
  throw new TypeError(`expected a list, got ${typeof v}`)
}
const attrOf = (item: unknown, attr: string): unknown =>
  attr.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Kw)[k] : undefined), item)
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v))
const cmp = (a: any, b: any): number => (a < b ? -1 : a > b ? 1 : 0)
const jsonSafe = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? null))

function regex(pattern: unknown, kw: Kw, extra = ''): RegExp {
  const flags = extra + (kw.ignorecase ? 'i' : '') + (kw.multiline ? 'm' : '')
  // Python's named groups (?P<n>…) and backrefs \g<n> map onto JS syntax.
  return new RegExp(String(pattern).replace(/\(\?P</g, '(?<'), flags)
}

function testFn(name: unknown): Fn {
  const t = tests[String(name) as keyof typeof tests] as Fn | undefined
  if (!t) throw new Error(`no test named '${String(name)}'`)
  return t
}

function combine(...args: unknown[]): unknown {
  const [dicts, kw] = splitKw(args)
  const merge = (a: unknown, b: unknown): unknown => {
    if (!isDict(a) || !isDict(b)) return b
    const out: Kw = {...a}
    for (const [k, v] of Object.entries(b)) out[k] = kw.recursive && k in out ? merge(out[k], v) : v
    return out
  }
  return dicts.flat().reduce<Kw>((acc, d) => (isDict(d) ? (merge(acc, d) as Kw) : acc), {})
}
const isDict = (v: unknown): v is Kw => !!v && typeof v === 'object' && !Array.isArray(v)

function selectBy(keep: boolean, byAttr: boolean) {
  return (seq: unknown, ...args: unknown[]) => {
    const [[first, test, ...targs]] = splitKw(args)
    const list = toList(seq)
    return list.filter((item) => {
      const subject = byAttr ? attrOf(item, String(first)) : item
      const tname = byAttr ? test : first
      const ok = tname === undefined ? truthyJinja(subject) : Boolean(testFn(tname)(subject, ...(byAttr ? targs : [test, ...targs].filter((x) => x !== undefined))))
      return ok === keep
    })
  }
}
const truthyJinja = (v: unknown): boolean =>
  Array.isArray(v) ? v.length > 0 : isDict(v) ? Object.keys(v).length > 0 : Boolean(v)

function mapFilter(this: unknown, seq: unknown, ...args: unknown[]): unknown[] {
  const [pos, kw] = splitKw(args)
  const list = toList(seq)
  if (kw.attribute !== undefined) return list.map((i) => attrOf(i, String(kw.attribute)) ?? kw.default)
  const f = filters[String(pos[0])]
  if (!f) throw new Error(`no filter named '${String(pos[0])}'`)
  return list.map((i) => f.call(this, i, ...pos.slice(1)))
}

function toBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v
  if (typeof v === 'number') return v !== 0
  return ['yes', 'on', '1', 'true', 'y', 't'].includes(String(v).trim().toLowerCase())
}

function toInt(v: unknown, dflt = 0): number {
  if (typeof v === 'boolean') return v ? 1 : 0
  const n = typeof v === 'number' ? v : parseFloat(String(v))
  return Number.isFinite(n) ? Math.trunc(n) : dflt
}

function pick(fn: (a: number, b: number) => boolean) {
  return (seq: unknown, ...args: unknown[]) => {
    const [, kw] = splitKw(args)
    const list = toList(seq)
    const key = (x: unknown) => (kw.attribute ? attrOf(x, String(kw.attribute)) : x) as number
    return list.reduce((best, x) => (best === undefined || fn(key(x), key(best)) ? x : best), undefined as unknown)
  }
}

function hash(v: unknown, algo: unknown = 'sha1'): string {
  const a = String(algo)
  if (!['sha1', 'sha256', 'sha512', 'md5', 'sha384', 'sha224'].includes(a)) throw new Error(`unsupported hash type ${a}`)
  return createHash(a).update(pyStr(v)).digest('hex')
}

export const filters: Record<string, Fn> = {
  default: (v: unknown, d: unknown = '', boolean = false) => (isUndef(v) || v === undefined || (boolean && !truthyJinja(v)) ? d : v),
  mandatory: (v: unknown, msg?: unknown) => {
    if (isUndef(v) || v === undefined) throw new UndefinedVariableError(msg ? String(msg) : `Mandatory variable ${isUndef(v) ? `'${v.name}' ` : ''}not defined.`)
    return v
  },
  join: (v: unknown, sep: unknown = '', ...rest: unknown[]) => {
    const [, kw] = splitKw([sep, ...rest])
    const s = typeof sep === 'object' ? '' : String(sep)
    return toList(v).map((x) => pyStr(kw.attribute ? attrOf(x, String(kw.attribute)) : x)).join(s)
  },
  length: (v: unknown) => (v == null ? 0 : toList(v).length),
  lower: (v: unknown) => pyStr(v).toLowerCase(),
  upper: (v: unknown) => pyStr(v).toUpperCase(),
  capitalize: (v: unknown) => { const s = pyStr(v); return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase() },
  int: (v: unknown, d: unknown = 0) => toInt(v, num(d)),
  float: (v: unknown, d: unknown = 0) => { const n = parseFloat(String(v)); return Number.isFinite(n) ? n : num(d) },
  bool: toBool,
  string: (v: unknown) => pyStr(v),
  abs: (v: unknown) => Math.abs(num(v)),
  round: (v: unknown, p: unknown = 0) => { const f = 10 ** num(p); return Math.round(num(v) * f) / f },
  regex_replace: (v: unknown, pattern: unknown, repl: unknown = '', ...rest: unknown[]) => {
    const [, kw] = splitKw(rest)
    return pyStr(v).replace(regex(pattern, kw, 'g'), String(repl).replace(/\\g<(\w+)>/g, '$<$1>').replace(/\\(\d)/g, '$$$1'))
  },
  regex_search: (v: unknown, pattern: unknown, ...rest: unknown[]) => {
    const [groups, kw] = splitKw(rest)
    const m = regex(pattern, kw).exec(pyStr(v))
    if (!m) return null
    if (!groups.length) return m[0]
    return groups.map((g) => { const s = String(g); return s.startsWith('\\g<') ? m.groups?.[s.slice(3, -1)] : m[Number(s.replace('\\', ''))] })
  },
  regex_findall: (v: unknown, pattern: unknown, ...rest: unknown[]) => [...pyStr(v).matchAll(regex(pattern, splitKw(rest)[1], 'g'))].map((m) => (m.length > 1 ? m[1] : m[0])),
  to_json: (v: unknown, ...rest: unknown[]) => { const [, kw] = splitKw(rest); return JSON.stringify(v, null, kw.indent ? num(kw.indent) : undefined) },
  to_nice_json: (v: unknown) => JSON.stringify(v, null, 4),
  from_json: (v: unknown) => JSON.parse(String(v)),
  to_yaml: (v: unknown) => YAML.stringify(jsonSafe(v)),
  to_nice_yaml: (v: unknown) => YAML.stringify(jsonSafe(v), {indent: 4}),
  from_yaml: (v: unknown) => YAML.parse(String(v)),
  dict2items: (v: unknown, ...rest: unknown[]) => {
    const [, kw] = splitKw(rest)
    const [k, val] = [String(kw.key_name ?? 'key'), String(kw.value_name ?? 'value')]
    return Object.entries(v as Kw).map(([key, value]) => ({[k]: key, [val]: value}))
  },
  items2dict: (v: unknown, ...rest: unknown[]) => {
    const [, kw] = splitKw(rest)
    const [k, val] = [String(kw.key_name ?? 'key'), String(kw.value_name ?? 'value')]
    return Object.fromEntries(toList(v).map((i) => [String((i as Kw)[k]), (i as Kw)[val]]))
  },
  selectattr: selectBy(true, true),
  rejectattr: selectBy(false, true),
  select: selectBy(true, false),
  reject: selectBy(false, false),
  map: mapFilter,
  first: (v: unknown) => toList(v)[0],
  last: (v: unknown) => toList(v).at(-1),
  unique: (v: unknown) => toList(v).filter((x, i, a) => a.findIndex((y) => JSON.stringify(y) === JSON.stringify(x)) === i),
  sort: (v: unknown, ...args: unknown[]) => {
    const [pos, kw] = splitKw(args)
    const reverse = Boolean(kw.reverse ?? pos[0])
    const key = (x: unknown) => (kw.attribute ? attrOf(x, String(kw.attribute)) : x)
    const out = [...toList(v)].sort((a, b) => cmp(key(a), key(b)))
    return reverse ? out.reverse() : out
  },
  reverse: (v: unknown) => (typeof v === 'string' ? [...v].reverse().join('') : [...toList(v)].reverse()),
  b64encode: (v: unknown) => Buffer.from(pyStr(v), 'utf8').toString('base64'),
  b64decode: (v: unknown) => Buffer.from(pyStr(v), 'base64').toString('utf8'),
  hash,
  checksum: (v: unknown) => hash(v, 'sha1'),
  md5: (v: unknown) => hash(v, 'md5'),
  sha1: (v: unknown) => hash(v, 'sha1'),
  password_hash: () => { throw new Error('password_hash is not supported') },
  combine,
  ternary: (v: unknown, a: unknown, b: unknown, none?: unknown) => (v === null && none !== undefined ? none : truthyJinja(v) ? a : b),
  basename: (v: unknown) => posix.basename(pyStr(v)),
  dirname: (v: unknown) => posix.dirname(pyStr(v)),
  trim: (v: unknown) => pyStr(v).trim(),
  replace: (v: unknown, a: unknown, b: unknown, count?: unknown) => {
    let s = pyStr(v)
    if (count === undefined) return s.split(String(a)).join(String(b))
    for (let i = 0; i < num(count); i++) s = s.replace(String(a), String(b))
    return s
  },
  split: (v: unknown, sep?: unknown, max?: unknown) => {
    const s = pyStr(v)
    const parts = sep == null ? s.trim().split(/\s+/).filter(Boolean) : s.split(String(sep))
    if (max === undefined || num(max) < 0 || parts.length <= num(max) + 1) return parts
    return [...parts.slice(0, num(max)), parts.slice(num(max)).join(String(sep))]
  },
  list: (v: unknown) => toList(v),
  min: pick((a, b) => a < b),
  max: pick((a, b) => a > b),
  sum: (v: unknown, ...args: unknown[]) => {
    const [, kw] = splitKw(args)
    return toList(v).reduce<number>((s, x) => s + num(kw.attribute ? attrOf(x, String(kw.attribute)) : x), num(kw.start ?? 0))
  },
  zip: (v: unknown, ...others: unknown[]) => {
    const lists = [toList(v), ...others.map(toList)]
    const n = Math.min(...lists.map((l) => l.length))
    return Array.from({length: n}, (_, i) => lists.map((l) => l[i]))
  },
  flatten: (v: unknown, levels?: unknown) => toList(v).flat(levels === undefined ? Infinity : num(levels)).filter((x) => x !== null && x !== undefined),
  difference: (a: unknown, b: unknown) => { const bs = toList(b).map((x) => JSON.stringify(x)); return filters.unique(toList(a).filter((x) => !bs.includes(JSON.stringify(x)))) },
  union: (a: unknown, b: unknown) => filters.unique([...toList(a), ...toList(b)]),
  intersect: (a: unknown, b: unknown) => { const bs = toList(b).map((x) => JSON.stringify(x)); return filters.unique(toList(a).filter((x) => bs.includes(JSON.stringify(x)))) },
  quote: (v: unknown) => `'${pyStr(v).replace(/'/g, `'"'"'`)}'`,
  type_debug: (v: unknown) => (v === null ? 'NoneType' : Array.isArray(v) ? 'list' : typeof v === 'object' ? 'dict' : typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float') : typeof v === 'boolean' ? 'bool' : 'str'),
  dict: (v: unknown) => Object.fromEntries(toList(v) as [string, unknown][]),
  random: (v: unknown) => { const l = toList(v); return l[Math.floor(Math.random() * l.length)] },
}
filters.d = filters.default
filters.count = filters.length
filters.e = (v: unknown) => v

const LENIENT = new Set(['default', 'd', 'mandatory'])

export function installFilters(env: nunjucks.Environment): void {
  for (const [name, fn] of Object.entries(filters)) {
    env.addFilter(name, LENIENT.has(name) ? fn : function (this: unknown, ...args: unknown[]) {
      assertDefined(args)
      return fn.apply(this, args)
    })
  }
  const withTests = env as unknown as {addTest(name: string, fn: Fn): void}
  for (const [name, fn] of Object.entries(tests)) withTests.addTest(name, fn as Fn)
}

export {Undef}
