/**
 * The runner's policy for one task on one host (Ansible's TaskExecutor, small):
 * tags, when, loop, retries/until, register, ignore_errors, notify, run_once, recap counting.
 */
import {formatPos} from '../errors.js'
import {attempt, conditions, errorResult, type Result} from './attempt.js'
import type {HostRun, PlayCtx} from './context.js'
import type {Outcome} from './recap.js'
import {sleep} from './sync.js'
import {condition, renderTemplate, templateValue} from './template.js'
import type {HostStatus, ModuleHints, Task} from './types.js'
import {taskVars} from './vars.js'

/** What surrounds a task: enclosing blocks' vars, conditions, tags and error policy. */
export interface Scope {
  layers: Record<string, unknown>[]
  when: unknown[]
  tags: string[]
  ignoreErrors: unknown[]
  anyErrorsFatal: boolean
  /** A failure here goes to a rescue section (counted as rescued, not failed). */
  rescuable: boolean
  runOnce: boolean
  handler: boolean
}

export type Status = Outcome | 'filtered' | 'stopped'

/** Ansible's tag selection: always/never, all, tagged/untagged. */
export function tagsSelected(tags: string[], only: string[], skip: string[]): boolean {
  const has = (t: string) => tags.includes(t)
  if (skip.some(has) || (skip.includes('tagged') && tags.length) || (skip.includes('untagged') && !tags.length)) return false
  if (has('always')) return true
  if (has('never') && !only.some((t) => t !== 'all' && t !== 'tagged' && has(t))) return false
  if (!only.length || only.includes('all')) return true
  return only.some(has) || (only.includes('tagged') && tags.length > 0) || (only.includes('untagged') && !tags.length)
}

export function displayName(pc: PlayCtx, task: Task): string {
  const name = task.name ?? task.module
  try {
    return renderTemplate(name, {...pc.playVars, ...pc.run.extraVars})
  } catch {
    return name
  }
}

function announce(pc: PlayCtx, task: Task, handler: boolean): void {
  if (pc.announced.has(task)) return
  pc.announced.add(task)
  pc.run.emitter.emit({type: 'task_start', play: pc.play.name, task: displayName(pc, task), handler, pos: formatPos(task.pos)})
}

function emitResult(pc: PlayCtx, h: HostRun, task: Task, status: HostStatus, r: Result, item?: unknown): void {
  const shown = task.noLog ? {censored: "the output has been hidden due to the fact that 'no_log: true' was specified for this result", changed: r.changed} : r
  const msg = task.noLog || r.msg === undefined || r.msg === '' ? undefined : typeof r.msg === 'string' ? r.msg : JSON.stringify(r.msg)
  pc.run.emitter.emit({type: 'host_result', task: displayName(pc, task), host: h.name, status, ...(msg ? {msg} : {}),
    ...(item !== undefined ? {item: task.noLog ? '(censored)' : typeof item === 'string' ? item : JSON.stringify(item)} : {}), result: shown})
}

function applyFacts(pc: PlayCtx, hosts: string[], r: Result): void {
  const facts = (r.facts ?? undefined) as Record<string, unknown> | undefined
  delete r.facts
  if (!facts || r.failed) return
  for (const name of hosts) Object.assign(pc.hostRun(name).data.facts, facts)
}

function itemStatus(r: Result): HostStatus {
  return r.unreachable ? 'unreachable' : r.skipped ? 'skipped' : r.failed ? 'failed' : r.changed ? 'changed' : 'ok'
}

/** One pass of the task (one loop item): when, then attempts while `until` is not met. */
async function single(pc: PlayCtx, h: HostRun, task: Task, vars: Record<string, unknown>, whens: unknown[], loopLayer: Record<string, unknown>): Promise<Result> {
  try {
    for (const w of whens) if (!condition(w, vars)) return {changed: false, skipped: true, skip_reason: 'Conditional result was False', false_condition: w}
  } catch (e) {
    return errorResult(task, e)
  }
  if (!task.until) return attempt(pc, h, task, vars, loopLayer)
  let retries: number
  let delay: number
  try {
    const n = task.retries === undefined ? 3 : Number(templateValue(task.retries, vars))
    retries = n <= 0 ? 1 : n + 1
    delay = task.delay === undefined ? 5 : Number(templateValue(task.delay, vars))
  } catch (e) {
    return errorResult(task, e)
  }
  let r: Result = {changed: false}
  for (let n = 1; n <= retries; n++) {
    r = await attempt(pc, h, task, vars, loopLayer)
    r.attempts = n
    if (r.unreachable) return r
    let done: boolean
    try {
      done = conditions(task.until, task.register ? {...vars, [task.register]: r} : vars)
    } catch (e) {
      return errorResult(task, e)
    }
    if (done) return r
    if (n < retries) {
      pc.run.emitter.emit({type: 'progress', task: displayName(pc, task), host: h.name, message: `FAILED - RETRYING: (${retries - n} retries left)`})
      await sleep(delay * 1000, pc.run.signal)
    }
  }
  // ansible-core reports the configured retries (not the attempts made) once they run out.
  return {...r, failed: true, attempts: retries - 1}
}

const loopItems = (pc: PlayCtx, task: Task, vars: Record<string, unknown>): unknown[] => {
  const v = templateValue(task.loop, vars)
  if (!Array.isArray(v)) throw new Error(`Invalid data passed to 'loop', it requires a list, got this instead: ${JSON.stringify(v)}`)
  return v
}

/** Runs the task (all loop items) on the host; returns the aggregated result. */
async function execute(pc: PlayCtx, h: HostRun, task: Task, scope: Scope): Promise<Result> {
  let vars: Record<string, unknown>
  let items: unknown[] | undefined
  try {
    vars = taskVars(pc, h, scope.layers, task)
    items = task.loop === undefined ? undefined : loopItems(pc, task, vars)
  } catch (e) {
    return errorResult(task, e)
  }
  const whens = [...scope.when, ...(task.when ?? [])]
  if (!items) return single(pc, h, task, vars, whens, {})
  const results: Result[] = []
  for (const [i, item] of items.entries()) {
    const ansibleLoop = {index: i + 1, index0: i, first: i === 0, last: i === items.length - 1, length: items.length, revindex: items.length - i, revindex0: items.length - i - 1}
    const layer: Record<string, unknown> = {[task.loopVar]: item, ansible_loop: ansibleLoop, ansible_loop_var: task.loopVar, ...(task.indexVar ? {[task.indexVar]: i} : {})}
    const ivars = {...vars, ...layer}
    const r = await single(pc, h, task, ivars, whens, layer)
    r[task.loopVar] = item
    r.ansible_loop_var = task.loopVar
    // Later items see facts set by earlier ones (the `x: "{{ x + [item] }}"` idiom).
    if (r.facts && !r.failed) Object.assign(vars, r.facts)
    applyFacts(pc, [h.name], r)
    let label: unknown = item
    try { if (task.loopLabel) label = templateValue(task.loopLabel, ivars) } catch { /* keep the item */ }
    emitResult(pc, h, task, itemStatus(r), r, label)
    results.push(r)
    if (pc.run.signal.aborted) break
  }
  const failed = results.some((r) => r.failed)
  const skipped = results.every((r) => r.skipped)
  return {changed: results.some((r) => r.changed), ...(failed ? {failed: true} : {}), ...(skipped ? {skipped: true} : {}),
    ...(results.some((r) => r.unreachable) ? {unreachable: true} : {}),
    msg: failed ? 'One or more items failed' : skipped && !results.length ? 'No items in the list' : 'All items completed', results}
}

function outcome(pc: PlayCtx, task: Task, scope: Scope, r: Result, vars: () => Record<string, unknown>): Outcome {
  if (r.unreachable) return 'unreachable'
  if (r.skipped) return 'skipped'
  if (r.failed) {
    let ignore = false
    try {
      ignore = [...scope.ignoreErrors, ...(task.ignoreErrors === undefined ? [] : [task.ignoreErrors])].some((c) => condition(c, vars()))
    } catch { /* an unrenderable ignore_errors does not ignore */ }
    if (ignore) return r.changed ? 'ignored-changed' : 'ignored'
    return scope.rescuable ? 'rescued' : 'failed'
  }
  return r.changed ? 'changed' : 'ok'
}

const STATUS: Record<Outcome, HostStatus> = {ok: 'ok', changed: 'changed', skipped: 'skipped', failed: 'failed', rescued: 'rescued',
  ignored: 'ignored', 'ignored-changed': 'ignored', unreachable: 'unreachable'}

/** Runs a task on a host under the play's gate and forks; counts it and returns how it ended. */
export async function runTask(pc: PlayCtx, h: HostRun, task: Task, scope: Scope): Promise<{status: Status; result?: Result}> {
  if (!tagsSelected([...pc.play.tags, ...scope.tags, ...task.tags], pc.run.tags, pc.run.skipTags)) return {status: 'filtered'}
  if (pc.halted(h)) return {status: 'stopped'}
  await pc.gate.arrive(pc.batch.indexOf(h.name))
  if (pc.halted(h)) return {status: 'stopped'}
  announce(pc, task, scope.handler)
  const runOnce = task.runOnce ?? (scope.runOnce || Boolean((pc.run.pb.modules[task.module] as ModuleHints | undefined)?.bypassHostLoop))
  let shared = runOnce ? pc.runOnce.get(task) : undefined
  if (shared) {
    // Another host ran it: take its registered value and facts, count nothing here.
    const {result} = await shared
    if (task.register) h.data.facts[task.register] = result
    return {status: 'ok', result}
  }
  const exec = pc.forks.use(() => execute(pc, h, task, scope)).then((result) => {
    applyFacts(pc, runOnce ? pc.batch : [h.name], result)
    return {result}
  })
  if (runOnce) pc.runOnce.set(task, exec)
  let result: Result
  try {
    result = (await exec).result
  } catch (e) {
    if (pc.run.signal.aborted) return {status: 'stopped'}
    throw e
  }
  // Interrupted work is not counted (the recap shows what finished before the cancel).
  if (pc.run.signal.aborted) return {status: 'stopped'}
  if (task.register) {
    for (const name of runOnce ? pc.batch : [h.name]) pc.hostRun(name).data.facts[task.register] = result
  }
  const out = outcome(pc, task, scope, result, () => taskVars(pc, h, scope.layers, task))
  // Each included file of a looped include_tasks counts once, as in ansible-core.
  const extra = task.module === 'include_tasks' && out === 'ok' && Array.isArray(result.results) ? (result.results as Result[]).filter((r) => !r.skipped).length - 1 : 0
  for (let i = 0; i < extra; i++) pc.run.recap.add(h.name, 'ok')
  pc.run.recap.add(h.name, out)
  emitResult(pc, h, task, STATUS[out], result)
  if ((out === 'changed' || out === 'ignored-changed') && task.notify.length) {
    for (const n of task.notify) h.notified.add(renderOr(n, pc))
  }
  if (out === 'failed' || out === 'rescued') {
    h.lastFailure = {task: {name: task.name ?? task.module, action: task.module, args: task.noLog ? {} : task.args, pos: formatPos(task.pos)}, result}
  }
  if (out === 'failed' && (task.anyErrorsFatal ?? scope.anyErrorsFatal)) pc.fatal = true
  return {status: out, result}
}

function renderOr(name: string, pc: PlayCtx): string {
  try {
    return renderTemplate(name, {...pc.playVars, ...pc.run.extraVars})
  } catch {
    return name
  }
}
