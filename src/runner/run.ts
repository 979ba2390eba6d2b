/** runPlaybook: wires options, events and reporters, runs the plays, returns the recap. */
import {silentLogger} from '../log.js'
import type {RunCtx} from './context.js'
import {RunEmitter} from './events.js'
import {runPlay} from './play.js'
import {Recap} from './recap.js'
import type {Playbook, RunOptions, RunResult} from './types.js'

/** Starts a run; subscribe to `events` before awaiting `done` (deploy progress does). */
export function startPlaybook(pb: Playbook, opts: RunOptions): {events: RunEmitter; done: Promise<RunResult>} {
  const events = new RunEmitter()
  if (opts.onEvent) events.onAny(opts.onEvent)
  const reporters = opts.reporter === undefined ? [] : Array.isArray(opts.reporter) ? opts.reporter : [opts.reporter]
  for (const r of reporters) r.attach(events)
  const done = (async () => {
    await Promise.resolve()
    try {
      return await execute(pb, opts, events)
    } finally {
      for (const r of reporters) await r.close?.()
    }
  })()
  return {events, done}
}

export async function runPlaybook(pb: Playbook, opts: RunOptions): Promise<RunResult> {
  return startPlaybook(pb, opts).done
}

async function execute(pb: Playbook, opts: RunOptions, events: RunEmitter): Promise<RunResult> {
  const run: RunCtx = {
    pb, inventory: opts.inventory, extraVars: opts.extraVars ?? {}, check: !!opts.check,
    tags: opts.tags ?? [], skipTags: opts.skipTags ?? [], forks: opts.forks ?? 5, services: opts.services ?? {},
    signal: opts.signal ?? new AbortController().signal, log: silentLogger, emitter: events, recap: new Recap(),
    hosts: new Map(), inventoryVars: new Map(), failed: new Set(), unreachable: new Set(),
  }
  const limit = opts.limit ? new Set(opts.limit.split(/[,:]/).flatMap((p) => opts.inventory.match(p.trim()))) : undefined
  // Every selected host appears in the recap, even with nothing counted (as Ansible prints it).
  for (const play of pb.plays) {
    for (const h of opts.inventory.match(play.hosts)) if (!limit || limit.has(h)) run.recap.host(h)
  }
  for (const play of pb.plays) {
    if (run.signal.aborted) break
    if (!(await runPlay(run, play, limit))) break
  }
  const recap = run.recap.toObject()
  const cancelled = run.signal.aborted
  const failedHosts = [...run.failed].sort()
  const unreachableHosts = [...run.unreachable].sort()
  const ok = !cancelled && !failedHosts.length && !unreachableHosts.length
  events.emit({type: 'recap', recap, ok, cancelled})
  return {recap, failedHosts, unreachableHosts, ok, cancelled}
}
