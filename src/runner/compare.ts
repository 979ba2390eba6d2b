/**
 * Python comparison semantics for templates: `==` compares lists and dicts by value and
 * '5' != 5, list + list concatenates (nunjucks would emit JS `==` and `+`). Installed once.
 */
import nunjucks from 'nunjucks'
import {assertDefined} from './undef.js'

export function pyEqual(a: unknown, b: unknown): boolean {
  assertDefined([a, b])
  if (a === b) return true
  const num = (v: unknown) => typeof v === 'number' || typeof v === 'boolean'
  if (num(a) && num(b)) return Number(a) === Number(b)
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEqual(x, b[i]))
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a)
    const kb = Object.keys(b)
    return ka.length === kb.length && ka.every((k) => k in b && pyEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  }
  return false
}

function compare(a: any, op: string, b: any): boolean {
  switch (op) {
    case '==': case '===': return pyEqual(a, b)
    case '!=': case '!==': return !pyEqual(a, b)
  }
  assertDefined([a, b])
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (!pyEqual(a[i], b[i])) return compare(a[i], op, b[i])
    return compare(a.length, op, b.length)
  }
  switch (op) {
    case '<': return a < b
    case '>': return a > b
    case '<=': return a <= b
    default: return a >= b
  }
}

/** Python chains comparisons: `a < b < c` means `a < b and b < c`. */
function chain(first: unknown, ...rest: unknown[]): boolean {
  let left = first
  for (let i = 0; i < rest.length; i += 2) {
    const right = rest[i + 1]
    if (!compare(left, rest[i] as string, right)) return false
    left = right
  }
  return true
}

function inOperator(key: unknown, val: unknown): boolean {
  assertDefined([key, val])
  if (Array.isArray(val)) return val.some((x) => pyEqual(x, key))
  if (typeof val === 'string') return typeof key === 'string' && val.includes(key)
  if (val && typeof val === 'object') return String(key) in val
  throw new Error(`argument of type '${val === null ? 'NoneType' : typeof val}' is not iterable`)
}

/** Python `+`: lists concatenate, dicts do not add, str + int is an error. */
function pyAdd(a: unknown, b: unknown): unknown {
  assertDefined([a, b])
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b]
  if (typeof a === 'number' && typeof b === 'number') return a + b
  if (typeof a === 'string' && typeof b === 'string') return a + b
  const t = (v: unknown) => (v === null ? 'NoneType' : Array.isArray(v) ? 'list' : typeof v === 'object' ? 'dict' : typeof v === 'string' ? 'str' : typeof v === 'boolean' ? 'bool' : 'int')
  if ((typeof a === 'boolean' || typeof a === 'number') && (typeof b === 'boolean' || typeof b === 'number')) return Number(a) + Number(b)
  throw new Error(`unsupported operand type(s) for +: '${t(a)}' and '${t(b)}'`)
}

let installed = false
export function installPythonCompare(): void {
  if (installed) return
  installed = true
  const rt = nunjucks.runtime as unknown as Record<string, unknown>
  rt.pyChain = chain
  rt.inOperator = inOperator
  rt.pyAdd = pyAdd
  const proto = (nunjucks as unknown as {compiler: {Compiler: {prototype: Record<string, any>}}}).compiler.Compiler.prototype
  proto.compileAdd = function (this: any, node: any, frame: any) {
    this._emit('runtime.pyAdd(')
    this.compile(node.left, frame)
    this._emit(', ')
    this.compile(node.right, frame)
    this._emit(')')
  }
  proto.compileCompare = function (this: any, node: any, frame: any) {
    this._emit('runtime.pyChain(')
    this.compile(node.expr, frame)
    for (const op of node.ops) {
      this._emit(`, ${JSON.stringify(op.type)}, `)
      this.compile(op.expr, frame)
    }
    this._emit(')')
  }
}
