/** Jinja2/Ansible tests (`x is defined`, `r is failed`, `s is match('re')`). */
import {isUndef, assertDefined} from './undef.js'

type R = Record<string, unknown>
const res = (v: unknown): R => {
  assertDefined([v])
  if (!v || typeof v !== 'object') throw new Error('the test expects a registered task result')
  return v as R
}
const re = (p: unknown, flags = '') => new RegExp(String(p).replace(/\(\?P</g, '(?<'), flags)

export const tests = {
  defined: (v: unknown) => !isUndef(v) && v !== undefined,
  undefined: (v: unknown) => isUndef(v) || v === undefined,
  none: (v: unknown) => v === null,
  failed: (v: unknown) => Boolean(res(v).failed),
  failure: (v: unknown) => Boolean(res(v).failed),
  succeeded: (v: unknown) => !res(v).failed,
  success: (v: unknown) => !res(v).failed,
  changed: (v: unknown) => Boolean(res(v).changed),
  change: (v: unknown) => Boolean(res(v).changed),
  skipped: (v: unknown) => Boolean(res(v).skipped),
  skip: (v: unknown) => Boolean(res(v).skipped),
  match: (v: unknown, p: unknown, ignorecase = false) => { assertDefined([v]); return re(`^(?:${String(p)})`, ignorecase ? 'i' : '').test(String(v)) },
  search: (v: unknown, p: unknown, ignorecase = false) => { assertDefined([v]); return re(p, ignorecase ? 'i' : '').test(String(v)) },
  regex: (v: unknown, p: unknown) => { assertDefined([v]); return re(p).test(String(v)) },
  equalto: (v: unknown, o: unknown) => v === o,
  '==': (v: unknown, o: unknown) => v === o,
  eq: (v: unknown, o: unknown) => v === o,
  ne: (v: unknown, o: unknown) => v !== o,
  '!=': (v: unknown, o: unknown) => v !== o,
  gt: (v: any, o: any) => v > o,
  lt: (v: any, o: any) => v < o,
  ge: (v: any, o: any) => v >= o,
  le: (v: any, o: any) => v <= o,
  truthy: (v: unknown) => (Array.isArray(v) ? v.length > 0 : v && typeof v === 'object' ? Object.keys(v).length > 0 : Boolean(v)),
  falsy: (v: unknown) => !tests.truthy(v),
  string: (v: unknown) => typeof v === 'string',
  number: (v: unknown) => typeof v === 'number',
  integer: (v: unknown) => Number.isInteger(v),
  float: (v: unknown) => typeof v === 'number' && !Number.isInteger(v),
  boolean: (v: unknown) => typeof v === 'boolean',
  mapping: (v: unknown) => !!v && typeof v === 'object' && !Array.isArray(v) && !isUndef(v),
  sequence: (v: unknown) => Array.isArray(v) || typeof v === 'string',
  iterable: (v: unknown) => Array.isArray(v) || typeof v === 'string' || (!!v && typeof v === 'object' && !isUndef(v)),
  in: (v: unknown, seq: unknown) => (Array.isArray(seq) ? seq.includes(v) : typeof seq === 'string' ? seq.includes(String(v)) : !!seq && typeof seq === 'object' && String(v) in seq),
  contains: (seq: unknown, v: unknown) => tests.in(v, seq),
  subset: (a: unknown, b: unknown) => Array.isArray(a) && Array.isArray(b) && a.every((x) => b.includes(x)),
  superset: (a: unknown, b: unknown) => Array.isArray(a) && Array.isArray(b) && b.every((x) => a.includes(x)),
  even: (v: unknown) => Number(v) % 2 === 0,
  odd: (v: unknown) => Math.abs(Number(v) % 2) === 1,
  divisibleby: (v: unknown, n: unknown) => Number(v) % Number(n) === 0,
  sameas: (v: unknown, o: unknown) => v === o,
}
