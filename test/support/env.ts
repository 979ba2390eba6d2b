import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/** True when running as root (network namespaces, ports < 1024, qemu taps). */
export const isRoot = process.getuid?.() === 0

/** The reason to skip a test that needs root, or false when it can run. */
export function needsRoot(): string | false {
  return isRoot ? false : 'needs root (network namespaces / privileged ports); run the test suite as root'
}

/** Skip reason when any of the commands is missing, else false. */
export function needsCommands(...cmds: string[]): string | false {
  const missing = cmds.filter((c) => !hasCommand(c))
  return missing.length ? `missing ${missing.join(', ')} (scripts/deps.sh installs them as root)` : false
}

export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}

/** First truthy skip reason, for `test(name, {skip: skipUnless(...)}, fn)`. */
export function skipUnless(...reasons: (string | false)[]): string | false {
  return reasons.find((r) => r) ?? false
}

/** A temp dir removed at process exit even when the test fails. */
export function tempDir(prefix = 'bmpctl-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  process.on('exit', () => rmSync(dir, {recursive: true, force: true}))
  return dir
}
