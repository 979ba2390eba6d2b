import type {SourcePos} from '../errors.js'
import type {TaskModule, TaskServices} from '../tasks/types.js'

/** The view of an inventory the runner needs; built by inventory-adapter.ts or by hand in tests. */
export interface RunnerInventory {
  hosts: string[]
  groups: Record<string, string[]>
  hostVars(name: string): Record<string, unknown>
  /** Hosts matching an Ansible-style pattern (`all`, `group`, `a:b`, `a:!b`, `a:&b`, globs). */
  match(pattern: string): string[]
}

/** One task as loaded: keywords are kept raw (templated at run time). */
export interface Task {
  kind: 'task'
  name?: string
  module: string
  /** Raw params: a dict, or `{_raw: string}` for free-form modules. */
  args: Record<string, unknown>
  when?: unknown[]
  loop?: unknown
  loopVar: string
  loopLabel?: string
  register?: string
  retries?: unknown
  until?: unknown[]
  delay?: unknown
  changedWhen?: unknown[]
  failedWhen?: unknown[]
  ignoreErrors?: unknown
  notify: string[]
  tags: string[]
  vars: Record<string, unknown>
  runOnce?: boolean
  anyErrorsFatal?: boolean
  timeout?: unknown
  delegateTo?: string
  noLog?: boolean
  indexVar?: string
  /** `listen` topics (handlers only). */
  listen: string[]
  pos: SourcePos
}

export interface Block {
  kind: 'block'
  name?: string
  block: Item[]
  rescue: Item[]
  always: Item[]
  when?: unknown[]
  tags: string[]
  vars: Record<string, unknown>
  ignoreErrors?: unknown
  anyErrorsFatal?: boolean
  pos: SourcePos
}

export type Item = Task | Block

export type Serial = (number | string)[]

export interface Play {
  name: string
  hosts: string
  vars: Record<string, unknown>
  varsFiles: string[]
  strategy: 'linear' | 'free'
  serial?: Serial
  forks?: number
  preTasks: Item[]
  tasks: Item[]
  postTasks: Item[]
  handlers: Task[]
  anyErrorsFatal: boolean
  ignoreErrors: boolean
  tags: string[]
  pos: SourcePos
}

export interface Playbook {
  file: string
  /** Directory relative includes and vars_files resolve against. */
  dir: string
  plays: Play[]
  /** Task files reached through literal include_tasks paths, parsed and validated at load. */
  includes: Map<string, Item[]>
  /** Module registry the playbook was validated against (and runs with). */
  modules: Record<string, TaskModule>
}

/** Per-host counters exactly as Ansible's PLAY RECAP prints them. */
export interface Counts {
  ok: number
  changed: number
  unreachable: number
  failed: number
  skipped: number
  rescued: number
  ignored: number
}

export interface RunResult {
  recap: Record<string, Counts>
  failedHosts: string[]
  unreachableHosts: string[]
  /** True when no host failed or was unreachable and the run was not cancelled. */
  ok: boolean
  cancelled: boolean
}

export type HostStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable' | 'ignored' | 'rescued'

/** Events the run emits; reporters and callers (deploy progress) subscribe. */
export type RunEvent =
  | {type: 'play_start'; play: string; hosts: string[]}
  | {type: 'task_start'; play: string; task: string; handler: boolean; pos: string}
  | {type: 'host_result'; task: string; host: string; status: HostStatus; msg?: string; item?: string; result: Record<string, unknown>}
  | {type: 'progress'; task: string; host: string; message: string; data?: Record<string, unknown>}
  | {type: 'warning'; message: string}
  | {type: 'recap'; recap: Record<string, Counts>; ok: boolean; cancelled: boolean}

export interface Reporter {
  attach(run: RunEvents): void
  /** Called once the run is over (flush, stop spinners). */
  close?(): void | Promise<void>
}

export interface RunEvents {
  on<T extends RunEvent['type']>(type: T, fn: (e: Extract<RunEvent, {type: T}>) => void): void
  onAny(fn: (e: RunEvent) => void): void
}

export interface RunOptions {
  inventory: RunnerInventory
  extraVars?: Record<string, unknown>
  check?: boolean
  limit?: string
  forks?: number
  tags?: string[]
  skipTags?: string[]
  services?: TaskServices
  signal?: AbortSignal
  reporter?: Reporter | Reporter[]
  /** Subscribe before the run starts (same events reporters get). */
  onEvent?: (e: RunEvent) => void
}

/** Optional hints a module may add to the TaskModule contract. */
export interface ModuleHints {
  /** Runs once per batch on the first host, like Ansible's BYPASS_HOST_LOOP actions (pause). */
  bypassHostLoop?: boolean
}
