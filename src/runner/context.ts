/** Shared state of one run and of one play batch, as the executor and strategies see it. */
import type {Logger} from '../log.js'
import {silentLogger} from '../log.js'
import type {TaskServices} from '../tasks/types.js'
import type {RunEmitter} from './events.js'
import type {Recap} from './recap.js'
import {Semaphore, type Gate} from './sync.js'
import type {Item, Play, Playbook, RunnerInventory, Task} from './types.js'

/** What a host carries across plays: set_fact and registered values. */
export interface HostData {
  facts: Record<string, unknown>
}

export interface RunCtx {
  pb: Playbook
  inventory: RunnerInventory
  extraVars: Record<string, unknown>
  check: boolean
  tags: string[]
  skipTags: string[]
  forks: number
  services: TaskServices
  signal: AbortSignal
  log: Logger
  emitter: RunEmitter
  recap: Recap
  hosts: Map<string, HostData>
  inventoryVars: Map<string, Record<string, unknown>>
  failed: Set<string>
  unreachable: Set<string>
}

/** Per host, per batch: handlers notified and includes waiting to run. */
export interface HostRun {
  name: string
  data: HostData
  notified: Set<string>
  pendingIncludes: {items: Item[]; layer: Record<string, unknown>}[]
  ended: boolean
  /** For ansible_failed_task / ansible_failed_result in rescue sections. */
  lastFailure?: {task: Record<string, unknown>; result: Record<string, unknown>}
}

export class PlayCtx {
  fatal = false
  endPlay = false
  readonly runOnce = new Map<Task, Promise<{result: Record<string, unknown>}>>()
  readonly announced = new Set<Task>()
  readonly forks: Semaphore
  constructor(
    readonly run: RunCtx,
    readonly play: Play,
    readonly playVars: Record<string, unknown>,
    readonly batch: string[],
    readonly playHosts: string[],
    readonly gate: Gate,
  ) {
    this.forks = new Semaphore(Math.max(1, play.forks ?? run.forks))
  }

  halted(h: HostRun): boolean {
    return this.fatal || this.endPlay || h.ended || this.run.signal.aborted || this.run.failed.has(h.name) || this.run.unreachable.has(h.name)
  }

  hostRun(name: string): HostRun {
    let data = this.run.hosts.get(name)
    if (!data) this.run.hosts.set(name, (data = {facts: {}}))
    return {name, data, notified: new Set(), pendingIncludes: [], ended: false}
  }
}

export const defaultLog = silentLogger
