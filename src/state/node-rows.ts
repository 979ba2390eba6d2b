import type {NodeSpec} from '../inventory/model.js'
import type {NodeRecord, ProvisionState} from './types.js'

/** A `nodes` table row as SQLite returns it. */
export interface NodeRow {
  name: string
  state: string
  spec: string
  facts: string
  last_error: string | null
  discovered: number
  created_at: string
  updated_at: string
}

export function rowToRecord(row: NodeRow): NodeRecord {
  const rec: NodeRecord = {
    name: row.name,
    state: row.state as ProvisionState,
    spec: JSON.parse(row.spec) as NodeSpec,
    facts: JSON.parse(row.facts) as Record<string, unknown>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
  if (row.last_error !== null) rec.lastError = row.last_error
  if (row.discovered) rec.discovered = true
  return rec
}

/** Sorted keys, no undefined members: two equal specs serialise identically. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical)
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k]
      if (v !== undefined) out[k] = canonical(v)
    }
    return out
  }
  return value
}

/** The spec as stored: canonical and without `pos` (where it was read from is not state). */
export function canonicalSpec(spec: NodeSpec): NodeSpec {
  const {pos: _pos, ...rest} = spec
  return canonical(rest) as NodeSpec
}

/** Field paths that differ between two specs; bmc members are named `bmc.<field>`. */
export function diffSpecs(before: NodeSpec, after: NodeSpec): string[] {
  const a = canonicalSpec(before) as unknown as Record<string, unknown>
  const b = canonicalSpec(after) as unknown as Record<string, unknown>
  const fields: string[] = []
  for (const key of unionKeys(a, b)) {
    if (key === 'bmc') {
      const ab = (a.bmc ?? {}) as Record<string, unknown>
      const bb = (b.bmc ?? {}) as Record<string, unknown>
      for (const k of unionKeys(ab, bb)) if (!same(ab[k], bb[k])) fields.push(`bmc.${k}`)
    } else if (!same(a[key], b[key])) {
      fields.push(key)
    }
  }
  return fields
}

function unionKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
}

function same(x: unknown, y: unknown): boolean {
  return JSON.stringify(x) === JSON.stringify(y)
}
