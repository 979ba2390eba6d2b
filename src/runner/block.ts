/** Walks a host through tasks and blocks: block/rescue/always, includes, meta, handlers. */
import type {HostRun, PlayCtx} from './context.js'
import {runTask, type Scope} from './executor.js'
import type {Block, Item, Task} from './types.js'

/** How a list of items ended for the host. */
export type Flow = 'ok' | 'failed' | 'unreachable' | 'stop'

export function rootScope(pc: PlayCtx): Scope {
  return {layers: [], when: [], tags: [], ignoreErrors: pc.play.ignoreErrors ? [true] : [], anyErrorsFatal: pc.play.anyErrorsFatal,
    rescuable: false, runOnce: false, handler: false}
}

export async function runItems(pc: PlayCtx, h: HostRun, items: Item[], scope: Scope): Promise<Flow> {
  for (const item of items) {
    if (pc.halted(h)) return 'stop'
    const flow = item.kind === 'block' ? await runBlock(pc, h, item, scope) : await runTaskItem(pc, h, item, scope)
    if (flow !== 'ok') return flow
  }
  return 'ok'
}

async function runTaskItem(pc: PlayCtx, h: HostRun, task: Task, scope: Scope): Promise<Flow> {
  if (task.module === 'meta') return meta(pc, h, task, scope)
  const {status} = await runTask(pc, h, task, scope)
  if (status === 'stopped') return 'stop'
  if (status === 'unreachable') return 'unreachable'
  if (status === 'failed' || status === 'rescued') {
    h.pendingIncludes = []
    return 'failed'
  }
  // Included tasks run after the include itself is reported, in order, with the loop item in scope.
  const includes = h.pendingIncludes
  h.pendingIncludes = []
  for (const inc of includes) {
    const flow = await runItems(pc, h, inc.items, {...scope, layers: [...scope.layers, inc.layer]})
    if (flow !== 'ok') return flow
  }
  return 'ok'
}

async function meta(pc: PlayCtx, h: HostRun, task: Task, scope: Scope): Promise<Flow> {
  switch (task.args._raw) {
    case 'flush_handlers':
      return scope.handler ? 'ok' : flushHandlers(pc, h)
    case 'end_play':
      pc.endPlay = true
      return 'stop'
    case 'end_host':
      h.ended = true
      return 'stop'
    default:
      return 'ok'
  }
}

function child(scope: Scope, b: Block, rescuable: boolean): Scope {
  return {
    ...scope,
    layers: Object.keys(b.vars).length ? [...scope.layers, b.vars] : scope.layers,
    when: b.when ? [...scope.when, ...b.when] : scope.when,
    tags: [...scope.tags, ...b.tags],
    ignoreErrors: b.ignoreErrors === undefined ? scope.ignoreErrors : [...scope.ignoreErrors, b.ignoreErrors],
    anyErrorsFatal: b.anyErrorsFatal ?? scope.anyErrorsFatal,
    rescuable,
  }
}

async function runBlock(pc: PlayCtx, h: HostRun, b: Block, scope: Scope): Promise<Flow> {
  // A failure goes to this block's rescue; without one, an always section comes first (counted failed).
  const rescuable = b.rescue.length ? true : b.always.length ? false : scope.rescuable
  let flow = await runItems(pc, h, b.block, child(scope, b, rescuable))
  if (flow === 'failed' && b.rescue.length) {
    const failure = h.lastFailure ?? {task: {}, result: {}}
    const rs = child(scope, b, scope.rescuable)
    flow = await runItems(pc, h, b.rescue, {...rs, layers: [...rs.layers, {ansible_failed_task: failure.task, ansible_failed_result: failure.result}]})
  }
  if (b.always.length && flow !== 'unreachable' && !(flow === 'stop' && pc.run.signal.aborted)) {
    const af = await runItems(pc, h, b.always, child(scope, b, scope.rescuable))
    if (af !== 'ok') flow = af
  }
  return flow
}

/** Runs notified handlers in definition order (by name or `listen`), repeating for chained notifies. */
export async function flushHandlers(pc: PlayCtx, h: HostRun): Promise<Flow> {
  const scope = {...rootScope(pc), handler: true}
  for (let pass = 0; pass < 5 && h.notified.size; pass++) {
    const notified = h.notified
    h.notified = new Set()
    for (const handler of pc.play.handlers) {
      const names = [handler.name ?? '', ...handler.listen]
      if (!names.some((n) => notified.has(n))) continue
      if (pc.halted(h)) return 'stop'
      const flow = await runTaskItem(pc, h, handler, scope)
      if (flow !== 'ok') return flow
    }
  }
  return 'ok'
}
