import {readFile} from 'node:fs/promises'
import {EnvironmentError} from '../errors.js'
import type {PasswordSource} from '../inventory/model.js'

/**
 * Resolves a BMC password only when a BMC is contacted, so inventories can reference
 * env vars or files that exist on the controller alone. Errors name where the password
 * was expected, never the value.
 */
export async function resolvePassword(
  src: PasswordSource | undefined,
  label: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  if (!src) return ''
  if ('value' in src) return src.value
  if ('env' in src) {
    const value = env[src.env]
    if (value === undefined) {
      throw new EnvironmentError(
        `${label}: BMC password env var ${src.env} is not set`,
        `export ${src.env}=… before running, or use password_file`,
      )
    }
    return value
  }
  try {
    return stripOneNewline(await readFile(src.file, 'utf8'))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error'
    throw new EnvironmentError(
      `${label}: cannot read BMC password file ${src.file} (${code})`,
      'check the path and that the file is readable by this user',
    )
  }
}

/** Editors add one trailing newline; passwords may legitimately end in other whitespace. */
function stripOneNewline(s: string): string {
  if (s.endsWith('\r\n')) return s.slice(0, -2)
  if (s.endsWith('\n')) return s.slice(0, -1)
  return s
}
