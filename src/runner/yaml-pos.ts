/** Minimal position-aware YAML reading for playbooks: every node knows its file:line:col. */
import {readFile} from 'node:fs/promises'
import {isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node} from 'yaml'
import {InputError, type Problem, type SourcePos} from '../errors.js'

export class YamlFile {
  readonly lc = new LineCounter()
  readonly doc: Document
  constructor(readonly file: string, text: string) {
    this.doc = parseDocument(text, {lineCounter: this.lc, uniqueKeys: true, merge: true, prettyErrors: false})
  }

  static async read(file: string): Promise<YamlFile> {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (e) {
      throw new InputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
    }
    const y = new YamlFile(file, text)
    const errs = y.doc.errors.map((e): Problem => ({pos: y.at(e.pos[0]), message: `YAML syntax error: ${e.message.split('\n')[0]}`}))
    if (errs.length) throw new InputError(`${file}: invalid YAML`, errs)
    return y
  }

  at(offset: number): SourcePos {
    const {line, col} = this.lc.linePos(offset)
    return {file: this.file, line, col}
  }

  pos(node: unknown, fallback?: SourcePos): SourcePos {
    const r = (node as Node | null)?.range
    return r ? this.at(r[0]) : fallback ?? {file: this.file, line: 1, col: 1}
  }

  root(): Node | null {
    return this.doc.contents as Node | null
  }

  js(node: unknown): unknown {
    return node == null ? undefined : (node as Node).toJS(this.doc)
  }
}

export interface MapEntry {
  key: string
  keyNode: Node
  value: Node | null
}

export function mapEntries(node: unknown): MapEntry[] | undefined {
  if (!isMap(node)) return undefined
  return node.items.map((p) => ({key: String(isScalar(p.key) ? p.key.value : p.key), keyNode: p.key as Node, value: p.value as Node | null}))
}

export function seqItems(node: unknown): Node[] | undefined {
  if (node == null || (isScalar(node) && node.value == null)) return []
  return isSeq(node) ? (node.items as Node[]) : undefined
}

export {isMap, isScalar, isSeq}
