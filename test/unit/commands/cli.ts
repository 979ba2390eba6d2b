// Runs bmpctl commands as separate processes for integration tests. By default the
// command classes run from src/ (no build, no manifest, so a half-built shared tree does
// not matter); BMPCTL_TEST_BUILT=1 runs the built CLI (`node bin/run.js`) instead.
import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv
  input?: (write: (s: string) => void, stdout: () => string) => Promise<void>
  timeoutMs?: number
}

/** `args[0]` is the command id with spaces (e.g. "vbmc start"); the rest its argv. */
export function bmpctl(args: string[], o: CliOptions = {}): Promise<CliResult> {
  const built = process.env.BMPCTL_TEST_BUILT === '1'
  const [id, ...rest] = args
  const argv = built ? ['bin/run.js', ...id.split(' '), ...rest] : ['--import', 'tsx', 'test/unit/commands/run-command.ts', id.split(' ').join(':'), ...rest]
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, {cwd: root, env: {...process.env, ...o.env}, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000)
    child.on('close', (code) => { clearTimeout(timer); resolve({code, stdout, stderr}) })
    if (o.input) void o.input((s) => child.stdin.write(s), () => stdout).catch(() => child.kill('SIGKILL'))
    else child.stdin.end()
  })
}

/** Polls until `cond` holds or `ms` pass. */
export async function until(cond: () => boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (cond()) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return cond()
}

/** Command line of a process as one string ('' when it is gone). */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')
  } catch {
    return ''
  }
}


export {freeTcpPort, freeUdpPort} from '../../support/ports.js'
