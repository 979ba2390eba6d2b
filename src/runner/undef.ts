/**
 * Ansible's strict undefined: a lookup of a missing name yields an Undef that chains
 * through attribute access (`a.b is defined` works) but throws when printed or compared.
 */
export class UndefinedVariableError extends Error {
  override name = 'UndefinedVariableError'
}

export class Undef {
  constructor(readonly name: string, readonly reason?: string) {}
  child(key: unknown): Undef {
    return new Undef(`${this.name}.${String(key)}`, this.reason)
  }
  describe(): string {
    return this.reason ?? `'${this.name.split('.')[0]}' is undefined`
  }
  [Symbol.toPrimitive](): never {
    throw new UndefinedVariableError(this.describe())
  }
  toJSON(): never {
    throw new UndefinedVariableError(this.describe())
  }
}

export function isUndef(v: unknown): v is Undef {
  return v instanceof Undef
}

/** Throws when any argument is undefined (every filter except default/mandatory). */
export function assertDefined(args: unknown[]): void {
  for (const a of args) if (a instanceof Undef) throw new UndefinedVariableError(a.describe())
}

/** Python's str() for values printed inside a larger string (True, None, ['a']). */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v
  if (v === null || v === undefined) return v === null ? 'None' : ''
  if (typeof v === 'boolean') return v ? 'True' : 'False'
  if (typeof v === 'object') return pyRepr(v)
  return String(v)
}

function pyRepr(v: unknown): string {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`
  if (v && typeof v === 'object') {
    if (v instanceof Undef) throw new UndefinedVariableError(v.describe())
    return `{${Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`
  }
  return pyStr(v)
}
