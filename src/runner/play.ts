/** Plays: host selection, vars_files, serial batches, strategies (linear lockstep / free) and sections. */
import {resolve} from 'node:path'
import {InputError} from '../errors.js'
import {flushHandlers, rootScope, runItems, type Flow} from './block.js'
import type {HostRun, RunCtx} from './context.js'
import {PlayCtx} from './context.js'
import {renderTemplate} from './template.js'
import {Barrier, openGate} from './sync.js'
import type {Play, Serial} from './types.js'
import {YamlFile} from './yaml-pos.js'

/** Splits hosts into serial batches (numbers, percentages, a list whose last entry repeats). */
export function serialBatches(hosts: string[], serial?: Serial): string[][] {
  if (!serial?.length) return [hosts]
  const size = (s: number | string) => {
    const str = String(s)
    const n = str.endsWith('%') ? Math.floor((hosts.length * parseFloat(str)) / 100) : Number(str)
    return Math.max(1, n)
  }
  const out: string[][] = []
  let i = 0
  let k = 0
  while (i < hosts.length) {
    const n = size(serial[Math.min(k++, serial.length - 1)])
    out.push(hosts.slice(i, i + n))
    i += n
  }
  return out
}

async function varsFiles(run: RunCtx, play: Play): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  for (const f of play.varsFiles) {
    const path = resolve(run.pb.dir, renderTemplate(f, {...play.vars, ...run.extraVars}))
    const y = await YamlFile.read(path)
    const v = y.js(y.root())
    if (v == null) continue
    if (typeof v !== 'object' || Array.isArray(v)) throw new InputError(`${path}: vars file must be a mapping`)
    Object.assign(out, v)
  }
  return out
}

async function hostMain(pc: PlayCtx, h: HostRun): Promise<void> {
  const run = pc.run
  try {
    for (const section of [pc.play.preTasks, pc.play.tasks, pc.play.postTasks]) {
      let flow: Flow = await runItems(pc, h, section, rootScope(pc))
      if (flow === 'ok') flow = await flushHandlers(pc, h)
      if (flow === 'failed') run.failed.add(h.name)
      if (flow === 'unreachable') run.unreachable.add(h.name)
      if (flow !== 'ok') return
    }
  } finally {
    pc.gate.leave()
  }
}

/** Runs one play; returns false when the run must stop (any_errors_fatal, a whole batch failed, cancel). */
export async function runPlay(run: RunCtx, play: Play, limit: Set<string> | undefined): Promise<boolean> {
  const hosts = run.inventory.match(play.hosts).filter((h) => (!limit || limit.has(h)) && !run.failed.has(h) && !run.unreachable.has(h))
  run.emitter.emit({type: 'play_start', play: play.name, hosts})
  if (!hosts.length) {
    run.emitter.emit({type: 'warning', message: `no hosts matched for play "${play.name}" (hosts: ${play.hosts})`})
    return true
  }
  const playVars = {...play.vars, ...(await varsFiles(run, play))}
  for (const batch of serialBatches(hosts, play.serial)) {
    const gate = play.strategy === 'linear' ? new Barrier(batch.length) : openGate
    const pc = new PlayCtx(run, play, playVars, batch, hosts, gate)
    await Promise.all(batch.map((name) => hostMain(pc, pc.hostRun(name))))
    if (run.signal.aborted || pc.fatal) return false
    if (batch.every((h) => run.failed.has(h) || run.unreachable.has(h))) return false
    if (pc.endPlay) break
  }
  return true
}
