/**
 * Ansible host patterns: `all`, `*`, names, groups, globs, `~regex`, subscripts
 * (`web[0]`, `web[1:3]`), and the set operators `a:b` / `a,b` (union), `a:&b`
 * (intersection), `a:!b` (exclusion).
 */
import {InputError} from '../errors.js'
import type {Inventory} from './model.js'
import {groupMembers} from './vars.js'

export interface PatternMatch {
  /** Matching hosts in inventory order. */
  hosts: string[]
  /** Terms (as written, with their & or ! prefix) that matched no host. */
  unmatched: string[]
}

export function matchHosts(inv: Inventory, pattern: string): string[] {
  return matchHostsDetailed(inv, pattern).hosts
}

export function matchHostsDetailed(inv: Inventory, pattern: string): PatternMatch {
  const terms = splitPattern(pattern)
  const members = groupMembers(inv)
  // Ansible's order: unions first, then intersections, then exclusions.
  const plain = terms.filter((t) => !t.startsWith('&') && !t.startsWith('!'))
  const ordered = [...(plain.length ? plain : ['all']), ...terms.filter((t) => t.startsWith('&')), ...terms.filter((t) => t.startsWith('!'))]
  let selected = new Set<string>()
  const unmatched: string[] = []
  for (const term of ordered) {
    const op = term[0] === '&' || term[0] === '!' ? term[0] : ''
    const found = matchTerm(inv, members, op ? term.slice(1) : term)
    if (!found.size && terms.includes(term)) unmatched.push(term)
    if (op === '&') selected = new Set([...selected].filter((h) => found.has(h)))
    else if (op === '!') selected = new Set([...selected].filter((h) => !found.has(h)))
    else found.forEach((h) => selected.add(h))
  }
  return {hosts: members.all.filter((h) => selected.has(h)), unmatched}
}

/** Splits on commas, or else on colons outside `[...]` (so `[a:b]`-style classes survive). */
export function splitPattern(pattern: string): string[] {
  const parts = pattern.includes(',') ? pattern.split(',') : splitOutsideBrackets(pattern, ':')
  return parts.map((p) => p.trim()).filter(Boolean)
}

function splitOutsideBrackets(s: string, sep: string): string[] {
  const out: string[] = []
  let depth = 0
  let cur = ''
  for (const ch of s) {
    if (ch === '[') depth++
    else if (ch === ']') depth = Math.max(0, depth - 1)
    if (ch === sep && depth === 0) {
      out.push(cur)
      cur = ''
    } else cur += ch
  }
  out.push(cur)
  return out
}

/** Ansible subscripts: `web[0]`, `web[-1]`, `web[1:3]` (end inclusive), `web[1:]`. */
const SUBSCRIPT_RE = /^(.+)\[(?:(-?\d+)|(-?\d+)?:(-?\d+)?)\]$/

function matchTerm(inv: Inventory, members: Record<string, string[]>, term: string): Set<string> {
  const sub = term.startsWith('~') ? null : SUBSCRIPT_RE.exec(term)
  if (!sub) return matchPlain(inv, members, term)
  const found = members.all.filter((h) => matchPlain(inv, members, sub[1]).has(h))
  const at = (i: number) => (i < 0 ? found.length + i : i)
  if (sub[2] !== undefined) {
    const host = found[at(Number(sub[2]))]
    return new Set(host ? [host] : [])
  }
  const end = sub[4] === undefined ? found.length - 1 : at(Number(sub[4]))
  return new Set(found.slice(at(Number(sub[3] ?? 0)), end + 1))
}

function matchPlain(inv: Inventory, members: Record<string, string[]>, term: string): Set<string> {
  const isRegex = term.startsWith('~')
  const re = isRegex ? compileRegex(term.slice(1)) : globToRegex(term)
  const out = new Set<string>()
  const groups = Object.keys(members).filter((g) => re.test(g))
  for (const g of groups) members[g].forEach((h) => out.add(h))
  // Like Ansible: host names are tried when no group matched or the term is a glob/regex.
  if (!groups.length || isRegex || /[*?[]/.test(term)) {
    for (const h of inv.nodes.keys()) if (re.test(h)) out.add(h)
  }
  return out
}

/** Python's re.match semantics: anchored at the start only. */
function compileRegex(src: string): RegExp {
  try {
    return new RegExp(`^(?:${src})`)
  } catch (err) {
    throw new InputError(`invalid host pattern regex "~${src}": ${(err as Error).message}`, [], 'after ~ write a JavaScript regular expression, e.g. ~node-0[1-3]')
  }
}

/** fnmatch-style glob (`*`, `?`, `[ab]`, `[!ab]`) as a whole-string regex. */
export function globToRegex(glob: string): RegExp {
  let out = ''
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]
    if (ch === '*') out += '.*'
    else if (ch === '?') out += '.'
    else if (ch === '[' && glob.indexOf(']', i + 2) > i) {
      const end = glob.indexOf(']', i + 2)
      const raw = glob.slice(i + 1, end).replace(/\\/g, '\\\\')
      const body = raw.startsWith('!') ? '^' + raw.slice(1) : raw.startsWith('^') ? '\\' + raw : raw
      out += `[${body}]`
      i = end
    } else out += ch.replace(/[.+^${}()|\\\]]/g, '\\$&')
  }
  return new RegExp(`^${out}$`)
}
