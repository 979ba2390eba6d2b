/**
 * One execution of a module on a host: template params, coerce them against the schema,
 * run (with timeout and check mode), then apply changed_when / failed_when.
 */
import {dirname, resolve} from 'node:path'
import {existsSync} from 'node:fs'
import {formatPos, InputError} from '../errors.js'
import type {TaskContext, TaskModule, TaskResult} from '../tasks/types.js'
import type {HostRun, PlayCtx} from './context.js'
import {Loader} from './loader.js'
import {coerceParams, secretValues} from './params.js'
import {condition, templateValue} from './template.js'
import type {Task} from './types.js'

export type Result = Record<string, unknown> & {changed?: boolean; failed?: boolean; skipped?: boolean; unreachable?: boolean; msg?: unknown}

const OMIT = '__omit_place_holder__'

/** Template errors name the variable and the task's file:line:col. */
export function errorResult(task: Task, e: unknown): Result {
  const err = e as Error
  const where = formatPos(task.pos)
  const prefix = err.name === 'UndefinedVariableError' ? 'The task includes an option with an undefined variable. ' : ''
  return {changed: false, failed: true, msg: `${prefix}${err.message} (task at ${where})`}
}

/** Evaluates a list of conditions (all must hold), with the result visible under `register`. */
export function conditions(conds: unknown[], vars: Record<string, unknown>): boolean {
  return conds.every((c) => condition(c, vars))
}

function scrub(value: unknown, secrets: string[]): unknown {
  if (!secrets.length) return value
  if (typeof value === 'string') return secrets.reduce((s, x) => s.split(x).join('********'), value)
  if (Array.isArray(value)) return value.map((v) => scrub(v, secrets))
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, secrets)]))
  return value
}

function includePath(pc: PlayCtx, task: Task, file: string): string {
  const local = resolve(dirname(task.pos.file), file)
  return existsSync(local) ? local : resolve(pc.run.pb.dir, file)
}

async function queueInclude(pc: PlayCtx, h: HostRun, task: Task, file: string, layer: Record<string, unknown>): Promise<TaskResult> {
  const path = includePath(pc, task, file)
  let items = pc.run.pb.includes.get(path)
  if (!items) {
    const loader = new Loader(pc.run.pb.modules)
    try {
      items = await loader.taskFile(path)
      loader.fail(`task file ${path} is invalid`)
    } catch (e) {
      if (e instanceof InputError) return {changed: false, failed: true, msg: e.message}
      throw e
    }
    pc.run.pb.includes.set(path, items)
  }
  h.pendingIncludes.push({items, layer})
  return {changed: false, include: file, include_args: {}}
}

export async function attempt(pc: PlayCtx, h: HostRun, task: Task, vars: Record<string, unknown>, loopLayer: Record<string, unknown>): Promise<Result> {
  const mod: TaskModule = pc.run.pb.modules[task.module]
  let params: Record<string, unknown>
  try {
    const args = templateValue(task.args, vars) as Record<string, unknown>
    for (const [k, v] of Object.entries(args)) if (v === OMIT) delete args[k]
    params = coerceParams(mod, args)
  } catch (e) {
    return errorResult(task, e)
  }
  if (pc.run.check && !mod.supportsCheckMode) return {changed: false, skipped: true, msg: `skipped: module ${mod.name} does not support check mode`}
  const secrets = secretValues(mod, params)
  const timeoutS = task.timeout === undefined ? 0 : Number(templateValue(task.timeout, vars))
  // A ref'd timer (AbortSignal.timeout is unref'd and would let the process exit mid-task).
  const timer = new AbortController()
  const handle = timeoutS > 0 ? setTimeout(() => timer.abort(new Error('task timeout')), timeoutS * 1000) : undefined
  const signal = timeoutS > 0 ? AbortSignal.any([pc.run.signal, timer.signal]) : pc.run.signal
  const ctx: TaskContext = {
    params, host: h.name, vars, check: pc.run.check, signal, services: pc.run.services,
    log: pc.run.log.child({host: h.name, task: task.name ?? task.module}),
    progress: (message, data) => pc.run.emitter.emit({type: 'progress', task: task.name ?? task.module, host: h.name, message, ...(data ? {data} : {})}),
    includeTasks: (file, extra) => queueInclude(pc, h, task, file, {...task.vars, ...loopLayer, ...extra}),
  }
  let r: Result
  try {
    r = await raceTimeout(mod.run(ctx), signal, timeoutS)
  } catch (e) {
    if (pc.run.signal.aborted) throw e
    if (timeoutS > 0 && signal.aborted) r = {changed: false, failed: true, msg: `The ${task.module} action failed to execute in the expected time frame (${timeoutS}) and was terminated`}
    else {
      const err = e as Error & {unreachable?: boolean}
      r = {changed: false, failed: true, msg: err.message, ...(err.unreachable ? {unreachable: true} : {exception: err.stack?.split('\n').slice(0, 3).join('\n')})}
    }
  } finally {
    clearTimeout(handle)
  }
  r = scrub({...r, changed: Boolean(r.changed)}, secrets) as Result
  return postConditions(task, r, vars)
}

function raceTimeout<T>(p: Promise<T>, signal: AbortSignal, timeoutS: number): Promise<T> {
  if (!timeoutS) return p
  return new Promise<T>((res, rej) => {
    const onAbort = () => rej(signal.reason ?? new Error('timed out'))
    signal.addEventListener('abort', onAbort, {once: true})
    p.then(res, rej).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/** changed_when / failed_when see the result under the `register` name, as in Ansible. */
export function postConditions(task: Task, r: Result, vars: Record<string, unknown>): Result {
  if (r.unreachable || r.skipped) return r
  if (!task.changedWhen && !task.failedWhen) return r
  const scope = task.register ? {...vars, [task.register]: r} : vars
  try {
    if (task.changedWhen) r.changed = conditions(task.changedWhen, scope)
    if (task.failedWhen) {
      const failed = conditions(task.failedWhen, scope)
      r.failed_when_result = failed
      r.failed = failed
      if (!failed && r.msg === 'non-zero return code') r.msg = ''
    }
  } catch (e) {
    return errorResult(task, e)
  }
  return r
}
