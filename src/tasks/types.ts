import type {Logger} from '../log.js'

/**
 * Task module contract (like Ansible's AnsibleModule): a declared params schema with
 * unknown keys rejected, check-mode support, and run(ctx) → result. Modules observe,
 * compare, and only then apply; they never implement when/loop/retries — the runner does.
 */
export type ParamType = 'str' | 'int' | 'float' | 'bool' | 'list' | 'dict' | 'raw' | 'path' | 'duration'

export interface ParamSpec {
  type: ParamType
  required?: boolean
  default?: unknown
  choices?: readonly unknown[]
  /** Element type for lists. */
  elements?: ParamType
  /** Other accepted names (e.g. `msg` for `message`). */
  aliases?: string[]
  /** Never echoed in results, logs or events. */
  secret?: boolean
  description?: string
}

export type ParamsSchema = Record<string, ParamSpec>

export interface TaskResult {
  changed: boolean
  failed?: boolean
  skipped?: boolean
  msg?: string
  /** Facts to set on the host (like ansible_facts). */
  facts?: Record<string, unknown>
  /** Anything else the module reports; becomes part of the registered value. */
  [key: string]: unknown
}

/** What the runner hands a module for one host and one task. */
export interface TaskContext<P = Record<string, unknown>> {
  /** Validated params with defaults applied. */
  params: P
  /** inventory_hostname */
  host: string
  /** All variables visible to this host at this task (hostvars, groups, facts, …). */
  vars: Record<string, unknown>
  check: boolean
  /** Aborts when the run is cancelled (SIGINT) or the task times out. */
  signal: AbortSignal
  log: Logger
  /** Shared services (state store, BMC factory, …) injected by the caller of the runner. */
  services: TaskServices
  /** Report progress on long work (bytes written, stage). */
  progress(message: string, data?: Record<string, unknown>): void
  /** Runs a task file (include_tasks). Only the runner provides it. */
  includeTasks?(file: string, vars: Record<string, unknown>): Promise<TaskResult>
}

/**
 * Services are injected so modules stay testable; each feature adds its own optional
 * member. Modules that need a service throw a clear error when it is absent.
 */
export interface TaskServices {
  [name: string]: unknown
}

export interface TaskModule<P = any> {
  name: string
  description: string
  params: ParamsSchema
  supportsCheckMode: boolean
  /** Accepts a free-form string (`command: ls -l`) mapped onto this param. */
  freeForm?: string
  run(ctx: TaskContext<P>): Promise<TaskResult>
}
