/** `-e` values as ansible-playbook takes them: key=value pairs, JSON/YAML objects, @file. */
import {readFileSync} from 'node:fs'
import YAML from 'yaml'
import {InputError} from '../errors.js'
import {splitArgs} from './params.js'

export function parseExtraVars(values: string[], cwd = process.cwd()): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const raw of values) {
    const v = raw.trim()
    if (v.startsWith('@')) {
      const file = v.slice(1)
      let text: string
      try {
        text = readFileSync(file.startsWith('/') ? file : `${cwd}/${file}`, 'utf8')
      } catch (e) {
        throw new InputError(`-e ${raw}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
      }
      Object.assign(out, asObject(raw, () => YAML.parse(text)))
    } else if (v.startsWith('{') || v.startsWith('[')) {
      Object.assign(out, asObject(raw, () => YAML.parse(v)))
    } else {
      for (const tok of splitArgs(v)) {
        const i = tok.indexOf('=')
        if (i <= 0) throw new InputError(`-e ${raw}: expected key=value, JSON, or @file`, [], 'e.g. -e node=n1 -e \'{"count": 3}\' -e @vars.yaml')
        out[tok.slice(0, i)] = tok.slice(i + 1).replace(/^(["'])(.*)\1$/s, '$2')
      }
    }
  }
  return out
}

function asObject(raw: string, parse: () => unknown): Record<string, unknown> {
  let v: unknown
  try {
    v = parse()
  } catch (e) {
    throw new InputError(`-e ${raw}: ${(e as Error).message.split('\n')[0]}`)
  }
  if (v == null) return {}
  if (typeof v !== 'object' || Array.isArray(v)) throw new InputError(`-e ${raw}: extra vars must be a mapping`)
  return v as Record<string, unknown>
}
