/**
 * Error kinds users can cause or meet, each mapped to one process exit code.
 * Every command funnels failures through these so scripts can branch on `$?`.
 */
export const ExitCode = {
  /** Everything asked for was done. */
  Ok: 0,
  /** The operation ran but failed (at least one node or host failed). */
  OperationFailed: 1,
  /** Bad input: usage, inventory, playbook, config. Nothing was changed. */
  BadInput: 2,
  /** The environment is not fit: missing dependency, permission, port in use. */
  Environment: 3,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** Where in a file a problem is, for `file:line:col` messages. */
export interface SourcePos {
  file: string
  line: number
  col: number
}

export function formatPos(pos: SourcePos | undefined): string {
  return pos ? `${pos.file}:${pos.line}:${pos.col}` : ''
}

/** Base class: an error a user can act on, with the exit code it maps to. */
export class BmpError extends Error {
  readonly exitCode: ExitCode
  readonly hint?: string
  constructor(message: string, exitCode: ExitCode, hint?: string) {
    super(message)
    this.name = new.target.name
    this.exitCode = exitCode
    this.hint = hint
  }
}

/** One problem found while validating input (inventory, playbook, flags). */
export interface Problem {
  pos?: SourcePos
  /** Field path such as `nodes.node1.bmc.address`. */
  path?: string
  message: string
  hint?: string
}

export function formatProblem(p: Problem): string {
  const where = [formatPos(p.pos), p.path].filter(Boolean).join(' ')
  return `${where ? where + ': ' : ''}${p.message}${p.hint ? ` (hint: ${p.hint})` : ''}`
}

/** Bad input; carries every problem found so the user can fix them in one go. */
export class InputError extends BmpError {
  readonly problems: Problem[]
  constructor(message: string, problems: Problem[] = [], hint?: string) {
    const detail = problems.map((p) => '  ' + formatProblem(p)).join('\n')
    super(problems.length ? `${message}\n${detail}` : message, ExitCode.BadInput, hint)
    this.problems = problems
  }
}

/** The machine is missing something or forbids something. */
export class EnvironmentError extends BmpError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.Environment, hint)
  }
}

/** The operation ran and failed. */
export class OperationError extends BmpError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.OperationFailed, hint)
  }
}
