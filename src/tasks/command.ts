/**
 * command: run a program on the control host without a shell (argv or a shlex-split string).
 * Never logs or echoes secret values; `creates`/`removes` make it idempotent.
 */
import {existsSync} from 'node:fs'
import {isAbsolute, join} from 'node:path'
import {execa} from 'execa'
import type {TaskContext, TaskModule, TaskResult} from './types.js'

export interface CommandParams {
  cmd?: string
  argv?: string[]
  chdir?: string
  creates?: string
  removes?: string
  stdin?: string
  stdin_add_newline: boolean
  strip_empty_ends: boolean
  executable?: string
}

/** POSIX-shell-like word splitting (quotes and backslashes), as Python's shlex.split. */
export function shlexSplit(s: string): string[] {
  const out: string[] = []
  let cur = ''
  let inWord = false
  let quote: '"' | "'" | undefined
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (quote) {
      if (c === quote) quote = undefined
      else if (c === '\\' && quote === '"' && i + 1 < s.length && '"\\$`'.includes(s[i + 1])) cur += s[++i]
      else cur += c
    } else if (c === "'" || c === '"') {
      quote = c
      inWord = true
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i]
      inWord = true
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur)
      cur = ''
      inWord = false
    } else {
      cur += c
      inWord = true
    }
  }
  if (quote) throw new Error(`unbalanced ${quote} quote in command`)
  if (inWord) out.push(cur)
  return out
}

export const commonParams = {
  chdir: {type: 'path', description: 'directory to run in'},
  creates: {type: 'path', description: 'skip when this path exists'},
  removes: {type: 'path', description: 'run only when this path exists'},
  stdin: {type: 'str', description: 'data fed to standard input'},
  stdin_add_newline: {type: 'bool', default: true, description: 'append a newline to stdin'},
  strip_empty_ends: {type: 'bool', default: true, description: 'strip trailing empty lines'},
} as const

/** creates/removes short-circuit, as in Ansible: reported ok, not changed. */
export function precheck(p: CommandParams, shown: string): TaskResult | undefined {
  const abs = (f: string) => (isAbsolute(f) || !p.chdir ? f : join(p.chdir, f))
  if (p.creates && existsSync(abs(p.creates))) return {changed: false, rc: 0, cmd: shown, stdout: `skipped, since ${p.creates} exists`, msg: `Did not run command since '${p.creates}' exists`}
  if (p.removes && !existsSync(abs(p.removes))) return {changed: false, rc: 0, cmd: shown, stdout: `skipped, since ${p.removes} does not exist`, msg: `Did not run command since '${p.removes}' does not exist`}
  return undefined
}

export async function execute(ctx: TaskContext<CommandParams>, file: string, args: string[], shown: unknown): Promise<TaskResult> {
  const p = ctx.params
  const start = new Date()
  const input = p.stdin === undefined ? undefined : p.stdin + (p.stdin_add_newline ? '\n' : '')
  const r = await execa(file, args, {cwd: p.chdir, input, reject: false, cancelSignal: ctx.signal, stripFinalNewline: p.strip_empty_ends, stdin: input === undefined ? 'ignore' : 'pipe'})
  const end = new Date()
  const stdout = String(r.stdout ?? '')
  const stderr = String(r.stderr ?? '')
  const base = {cmd: shown, start: start.toISOString(), end: end.toISOString(), delta: `${(end.getTime() - start.getTime()) / 1000}s`,
    stdout, stderr, stdout_lines: stdout ? stdout.split('\n') : [], stderr_lines: stderr ? stderr.split('\n') : []}
  if (r.exitCode === undefined) {
    const code = (r.cause as NodeJS.ErrnoException | undefined)?.code
    return {...base, changed: false, failed: true, rc: code === 'ENOENT' ? 2 : 1, msg: code === 'ENOENT' ? `[Errno 2] No such file or directory: '${file}'` : r.shortMessage}
  }
  return {...base, changed: true, rc: r.exitCode, ...(r.exitCode !== 0 ? {failed: true, msg: 'non-zero return code'} : {msg: ''})}
}

const command: TaskModule<CommandParams> = {
  name: 'command',
  description: 'Run a program (no shell) on the control host',
  params: {
    cmd: {type: 'str', aliases: ['_raw_params'], description: 'command line, split like a shell would (no pipes, no globbing)'},
    argv: {type: 'list', elements: 'str', description: 'program and arguments as a list'},
    ...commonParams,
  },
  freeForm: 'cmd',
  supportsCheckMode: false,
  async run(ctx) {
    const p = ctx.params
    if (!p.cmd === !p.argv) return {changed: false, failed: true, msg: 'exactly one of cmd (free-form) or argv is required'}
    const argv = p.argv ?? shlexSplit(p.cmd!)
    if (!argv.length) return {changed: false, failed: true, msg: 'no command given'}
    const shown = p.argv ?? p.cmd
    return precheck(p, String(shown)) ?? execute(ctx, argv[0], argv.slice(1), shown)
  },
}
export default command
