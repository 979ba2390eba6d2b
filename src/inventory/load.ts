/**
 * Inventory entry point: detects the form (bmpctl YAML/JSON, Bifrost JSON/YAML, CSV),
 * parses it and validates it, reporting every problem at once or returning nothing.
 */
import {readFile} from 'node:fs/promises'
import {extname} from 'node:path'
import {isMap, type Node} from 'yaml'
import {InputError, type Problem} from '../errors.js'
import type {GroupSpec, Inventory, NodeSpec} from './model.js'
import {parseBifrost} from './bifrost.js'
import {parseBmpctl, TOP_KEYS, type ParsedInventory} from './bmpctl.js'
import {looksLikeCsvHeader, parseCsv} from './csv.js'
import {type Entry, Problems, YamlSource} from './positions.js'
import {checkGroups, checkUnique, type Draft} from './validate.js'

/** Names must survive host patterns, where `:,!&~*?[` have meaning. */
const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/

export async function loadInventory(path: string): Promise<Inventory> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new InputError(`cannot read inventory ${path}: ${code ?? String(err)}`, [], 'check the --inventory path (bmpctl reads .yaml, .json and .csv inventories)')
  }
  return parseInventory(text, path)
}

export function parseInventory(text: string, source: string): Inventory {
  const problems = new Problems()
  const found = parseAny(text, source, problems)
  if (found) validate(found.parsed, problems)
  if (problems.list.length || !found) {
    const n = problems.list.length
    throw new InputError(`inventory ${source} has ${n} problem${n === 1 ? '' : 's'}`, sortProblems(problems.list), 'fix them and run again; nothing was changed')
  }
  return build(source, found.format, found.parsed)
}

type Format = Inventory['format']

function parseAny(text: string, source: string, p: Problems): {format: Format; parsed: ParsedInventory} | undefined {
  const ext = extname(source).toLowerCase()
  const isYamlExt = ['.yaml', '.yml', '.json'].includes(ext)
  if (ext === '.csv' || (!isYamlExt && looksLikeCsvHeader(text))) return {format: 'csv', parsed: parseCsv(source, text, p)}
  const src = new YamlSource(source, text, p)
  if (src.reportSyntaxErrors()) return undefined
  const root = src.root()
  if (src.isNull(root)) {
    p.add(undefined, root.pos, 'inventory is empty', 'start with `nodes:` (see inventories/example.yaml)')
    return undefined
  }
  const top = src.entries(root, 'a mapping (`nodes:` … or Bifrost\'s name → node)')
  if (!top) return undefined
  if (isBmpctl(src, top)) return {format: 'bmpctl', parsed: parseBmpctl(src, top)}
  return {format: 'bifrost', parsed: parseBifrost(src, top)}
}

/** `nodes:` at the top and not itself a Bifrost node (which would carry driver keys). */
function isBmpctl(src: YamlSource, top: Entry[]): boolean {
  const nodes = top.find((e) => e.key === 'nodes')
  if (!nodes) return false
  if (top.every((e) => (TOP_KEYS as readonly string[]).includes(e.key))) return true
  const n = src.deref(nodes.value.node as Node)
  return !(isMap(n) && (n.has('driver') || n.has('driver_info')))
}

function validate(parsed: ParsedInventory, p: Problems): void {
  for (const d of parsed.nodes) {
    if (d.spec.name && !NAME_RE.test(d.spec.name)) {
      p.add(d.name.path, d.name.pos, `node name "${d.spec.name}" has characters host patterns use`, 'use letters, digits, ".", "_" and "-"')
    }
  }
  checkUnique(p, parsed.nodes)
  checkGroups(p, parsed.groups, parsed.groupRefs, parsed.nodes)
}

function build(source: string, format: Format, parsed: ParsedInventory): Inventory {
  const nodes = new Map<string, NodeSpec>(parsed.nodes.map((d: Draft) => [d.spec.name, d.spec]))
  const groups = new Map<string, GroupSpec>(parsed.groups)
  // Node-declared membership is folded into the groups so consumers see one picture.
  for (const node of nodes.values()) {
    for (const g of node.groups) {
      const group = groups.get(g) ?? {name: g, hosts: [], children: [], vars: {}}
      if (!group.hosts.includes(node.name)) group.hosts.push(node.name)
      groups.set(g, group)
    }
  }
  return {source, format, nodes, groups, vars: parsed.vars}
}

function sortProblems(list: Problem[]): Problem[] {
  const key = (p: Problem) => (p.pos ? p.pos.line * 1e6 + p.pos.col : Infinity)
  return [...list].sort((a, b) => key(a) - key(b))
}
