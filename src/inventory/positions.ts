/**
 * Walks a parsed YAML document while keeping each value's field path and file:line:col,
 * so every problem can point at the exact spot in the user's file.
 */
import {Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node} from 'yaml'
import type {Problem, SourcePos} from '../errors.js'
import {didYouMean} from './suggest.js'

/** A value in the document with where it is: the YAML node (absent when missing). */
export interface Loc {
  node: Node | null | undefined
  path: string
  pos?: SourcePos
  /** Position of the key that holds this value, for "missing field" messages. */
  keyPos?: SourcePos
}

export interface Entry {
  key: string
  keyPos?: SourcePos
  value: Loc
}

/** Collects problems; shared by all loaders so they can report everything at once. */
export class Problems {
  readonly list: Problem[] = []
  add(path: string | undefined, pos: SourcePos | undefined, message: string, hint?: string): void {
    this.list.push({pos, path, message, ...(hint ? {hint} : {})})
  }
}

/** `a.b` + `c` → `a.b.c`; the root path is empty. */
export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key
}

export class YamlSource {
  readonly lc = new LineCounter()
  readonly doc: Document

  constructor(readonly file: string, text: string, readonly problems: Problems) {
    // YAML 1.2 (the default) keeps unquoted MACs as strings; duplicates are reported by us.
    this.doc = parseDocument(text, {lineCounter: this.lc, uniqueKeys: false, merge: true, prettyErrors: false})
  }

  /** Reports YAML syntax errors; true when there were any (the tree is then unreliable). */
  reportSyntaxErrors(): boolean {
    for (const e of this.doc.errors) {
      const pos = this.offsetPos(e.pos[0])
      this.problems.add(undefined, pos, `YAML syntax error: ${e.message.split('\n')[0]}`, 'fix the YAML syntax at this position')
    }
    return this.doc.errors.length > 0
  }

  offsetPos(offset: number): SourcePos {
    const {line, col} = this.lc.linePos(offset)
    return {file: this.file, line, col}
  }

  posOf(node: Node | null | undefined): SourcePos | undefined {
    return node?.range ? this.offsetPos(node.range[0]) : undefined
  }

  root(): Loc {
    const node = this.doc.contents as Node | null
    return {node, path: '', pos: this.posOf(node) ?? {file: this.file, line: 1, col: 1}}
  }

  /** Follows aliases (`*anchor`) to the node they name. */
  deref(node: Node | null | undefined): Node | null | undefined {
    return isAlias(node) ? (node.resolve(this.doc) as Node | undefined) : node
  }

  isNull(loc: Loc): boolean {
    const n = this.deref(loc.node)
    return n == null || (isScalar(n) && n.value == null)
  }

  /** Mapping entries with positions; reports duplicates and non-mappings. Null → []. */
  entries(loc: Loc, what = 'a mapping'): Entry[] | undefined {
    const node = this.deref(loc.node)
    if (this.isNull(loc)) return []
    if (!isMap(node)) {
      this.problems.add(loc.path, loc.pos, `must be ${what}`, 'use `key: value` lines indented under this key')
      return undefined
    }
    const out: Entry[] = []
    const merged: Entry[] = []
    const seen = new Map<string, SourcePos | undefined>()
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null
      const keyVal = isScalar(keyNode) ? keyNode.value : undefined
      if (typeof keyVal === 'symbol' || keyVal === '<<') {
        for (const m of this.mergedEntries(pair.value as Node, loc)) if (!merged.some((x) => x.key === m.key)) merged.push(m)
        continue
      }
      const keyPos = this.posOf(keyNode) ?? loc.pos
      if (keyVal == null || typeof keyVal === 'object') {
        this.problems.add(loc.path, keyPos, 'keys must be plain strings')
        continue
      }
      const key = String(keyVal)
      const path = join(loc.path, key)
      if (seen.has(key)) {
        const first = seen.get(key)
        this.problems.add(path, keyPos, `duplicate key "${key}"${first ? ` (first at line ${first.line}:${first.col})` : ''}`, 'each key may appear only once; remove or rename one')
        continue
      }
      seen.set(key, keyPos)
      const valueNode = pair.value as Node | null
      out.push({key, keyPos, value: {node: valueNode, path, pos: this.posOf(this.deref(valueNode)) ?? keyPos, keyPos}})
    }
    // Explicit keys win over merged (`<<: *anchor`) ones.
    return [...merged.filter((m) => !seen.has(m.key)), ...out]
  }

  private mergedEntries(value: Node, parent: Loc): Entry[] {
    const sources = isSeq(value) ? (value.items as Node[]) : [value]
    return sources.flatMap((src) => this.entries({node: src, path: parent.path, pos: this.posOf(this.deref(src))}) ?? [])
  }

  /** Sequence items with positions. Null → []. */
  items(loc: Loc, what = 'a list'): Loc[] | undefined {
    const node = this.deref(loc.node)
    if (this.isNull(loc)) return []
    if (!isSeq(node)) {
      this.problems.add(loc.path, loc.pos, `must be ${what}`, 'use `- item` lines or [a, b]')
      return undefined
    }
    return (node.items as Node[]).map((n, i) => ({node: n, path: `${loc.path}[${i}]`, pos: this.posOf(this.deref(n)) ?? loc.pos}))
  }

  /** Plain JS value (free-form maps such as vars and properties). */
  value(loc: Loc): unknown {
    const n = this.deref(loc.node)
    return n == null ? undefined : n.toJS(this.doc)
  }

  /** Reports keys outside `allowed` with a did-you-mean hint. */
  checkKeys(entries: Entry[], allowed: readonly string[], what: string): void {
    for (const e of entries) {
      if (!allowed.includes(e.key)) this.problems.add(e.value.path, e.keyPos, `unknown key "${e.key}" in ${what}`, didYouMean(e.key, allowed))
    }
  }

  get(entries: Entry[], key: string): Loc | undefined {
    return entries.find((e) => e.key === key)?.value
  }
}
