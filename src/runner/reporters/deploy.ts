/**
 * Live per-node progress for deploy-style runs (one host = one machine being worked on):
 * a table redrawn in place on a TTY, or one line per event for logs and pipes.
 */
import type {Item, Playbook, Reporter, RunEvent, RunEvents} from '../types.js'
import {formatBytes} from '../../util/format.js'

export type RowStatus = 'waiting' | 'running' | 'ok' | 'failed'

export interface NodeRow {
  node: string
  /** The task the node is on (or last finished). */
  stage: string
  /** Bytes/percent of the current long step, when it reports them. */
  detail?: string
  status: RowStatus
  startedAt: number
  endedAt?: number
  /** The first failed (or rescued) task and its message: the root cause, before any rescue. */
  firstFailure?: string
  /** The last one (what the rescue ended with). */
  lastFailure?: string
}

/** A task in document order; rescue tasks only run after a failure, so they are marked. */
export interface OrderedTask {
  name: string
  rescue: boolean
}

/** Task names in document order (blocks inline, then rescue/always), to guess what a node does next. */
export function taskOrder(pb: Playbook): OrderedTask[] {
  const walk = (items: Item[], rescue: boolean): OrderedTask[] => items.flatMap((i) => (i.kind === 'task'
    ? [{name: i.name ?? i.module, rescue}]
    : [...walk(i.block, rescue), ...walk(i.rescue, true), ...walk(i.always, rescue)]))
  return pb.plays.flatMap((p) => [...walk(p.preTasks, false), ...walk(p.tasks, false), ...walk(p.postTasks, false)])
}

export {formatBytes}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

/** "1.2 GiB / 4.0 GiB 30%" from whatever of bytes/total/percent a progress event carries. */
export function progressDetail(data: Record<string, unknown> | undefined): string | undefined {
  if (!data) return undefined
  const bytes = num(data.bytes) ?? num(data.written)
  const total = num(data.total) ?? num(data.size)
  const pct = num(data.percent) ?? (bytes !== undefined && total ? (100 * bytes) / total : undefined)
  const parts: string[] = []
  if (bytes !== undefined) parts.push(total ? `${formatBytes(bytes)} / ${formatBytes(total)}` : formatBytes(bytes))
  if (pct !== undefined) parts.push(`${Math.floor(pct)}%`)
  return parts.length ? parts.join(' ') : undefined
}

export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = String(s % 60).padStart(2, '0')
  return h ? `${h}h${String(m).padStart(2, '0')}m${sec}s` : `${m}m${sec}s`
}

/** Follows run events and keeps one row per host; free strategy announces a task once, so the stage is inferred from the order. */
export class NodeProgress {
  readonly rows = new Map<string, NodeRow>()
  private readonly pos = new Map<string, number>()
  /** Hosts whose block failed over to its rescue tasks. */
  private readonly rescuing = new Set<string>()

  constructor(private readonly order: OrderedTask[] = [], private readonly now: () => number = Date.now) {}

  row(host: string): NodeRow {
    let r = this.rows.get(host)
    if (!r) this.rows.set(host, (r = {node: host, stage: 'waiting', status: 'waiting', startedAt: this.now()}))
    return r
  }

  /** Applies one event; returns the hosts whose row changed. */
  apply(e: RunEvent): string[] {
    switch (e.type) {
      case 'play_start':
        for (const h of e.hosts) Object.assign(this.row(h), {status: 'running', stage: this.order[0]?.name ?? 'starting', startedAt: this.now()})
        return e.hosts
      case 'progress': {
        const r = this.row(e.host)
        r.stage = e.task
        r.detail = progressDetail(e.data) ?? e.message
        return [e.host]
      }
      case 'host_result': return e.item === undefined ? this.result(e) : []
      case 'recap': {
        const t = this.now()
        for (const [h, r] of this.rows) {
          if (r.status === 'running' || r.status === 'waiting') r.status = e.recap[h] && !e.recap[h].failed && !e.recap[h].unreachable && !e.cancelled ? 'ok' : 'failed'
          r.endedAt ??= t
        }
        return [...this.rows.keys()]
      }
      default: return []
    }
  }

  private result(e: Extract<RunEvent, {type: 'host_result'}>): string[] {
    const r = this.row(e.host)
    r.detail = undefined
    if (e.status === 'failed' || e.status === 'unreachable' || e.status === 'rescued') {
      r.lastFailure = `${e.task}: ${e.msg ?? e.status}`
      r.firstFailure ??= r.lastFailure
    }
    if (e.status === 'failed' || e.status === 'unreachable') {
      r.status = 'failed'
      r.stage = e.task
      r.endedAt = this.now()
      return [e.host]
    }
    if (e.status === 'rescued') this.rescuing.add(e.host)
    const at = this.order.findIndex((t, i) => i >= (this.pos.get(e.host) ?? 0) && t.name === e.task)
    if (at >= 0) this.pos.set(e.host, at + 1)
    const rescuing = this.rescuing.has(e.host)
    // The next task this host will run: rescue tasks only after a failure, never after success.
    const want = (t: OrderedTask) => (e.status === 'rescued' ? t.rescue : rescuing || !t.rescue)
    const next = at < 0 ? undefined : this.order.slice(at + 1).find(want)
    r.stage = next?.name ?? e.task
    return [e.host]
  }
}

export type DeployOutput = 'tty' | 'plain'

export interface DeployReporterOptions {
  order?: OrderedTask[]
  write?: (s: string) => void
  /** Redraw period of the TTY table. */
  tickMs?: number
  now?: () => number
}

/** The live view; the final table is printed by the caller once the run is over. */
export class DeployReporter implements Reporter {
  readonly progress: NodeProgress
  private readonly write: (s: string) => void
  private drawn = 0
  private timer?: NodeJS.Timeout
  private readonly lastKey = new Map<string, string>()

  constructor(private readonly mode: DeployOutput, private readonly opts: DeployReporterOptions = {}) {
    this.progress = new NodeProgress(opts.order, opts.now)
    this.write = opts.write ?? ((s) => process.stdout.write(s))
  }

  attach(run: RunEvents): void {
    run.onAny((e) => {
      const changed = this.progress.apply(e)
      if (this.mode === 'plain') this.plain(e)
      else if (e.type === 'warning') this.above(`warning: ${e.message}`)
      else if (changed.length) this.draw()
    })
    if (this.mode === 'tty') {
      this.write('\x1b[?25l')
      this.timer = setInterval(() => this.draw(), this.opts.tickMs ?? 500)
      this.timer.unref()
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer)
    if (this.mode === 'tty') {
      this.draw()
      this.write('\x1b[?25h')
    }
  }

  /** `[node] status task: msg` per result, `[node] task: 1.0 GiB / 4.0 GiB 25%` per 10% of progress. */
  private plain(e: RunEvent): void {
    if (e.type === 'warning') return this.write(`[warning] ${e.message}\n`)
    if (e.type === 'host_result' && e.status !== 'skipped' && e.item === undefined) {
      const status = e.status === 'failed' || e.status === 'unreachable' ? e.status.toUpperCase() : e.status
      this.lastKey.delete(e.host)
      return this.write(`[${e.host}] ${status} ${e.task}${e.msg ? `: ${oneLine(e.msg)}` : ''}\n`)
    }
    if (e.type !== 'progress') return
    const detail = progressDetail(e.data)
    const pct = detail?.match(/(\d+)%$/)
    // Dedup on the 10% step (or the message), so a long copy does not flood a log.
    const key = `${e.task}\0${pct ? Math.floor(Number(pct[1]) / 10) : detail ?? e.message}`
    if (this.lastKey.get(e.host) === key) return
    this.lastKey.set(e.host, key)
    this.write(`[${e.host}] ${e.task}: ${detail ?? oneLine(e.message)}\n`)
  }

  private lines(): string[] {
    const now = (this.opts.now ?? Date.now)()
    const rows = [...this.progress.rows.values()]
    const mark: Record<RowStatus, string> = {waiting: '·', running: '›', ok: '✓', failed: '✗'}
    const cells = rows.map((r) => [`${mark[r.status]} ${r.node}`, r.stage, r.detail ?? '', formatElapsed((r.endedAt ?? now) - r.startedAt)])
    const head = ['  NODE', 'STAGE', 'PROGRESS', 'ELAPSED']
    const w = head.map((h, i) => Math.min(i === 1 ? 40 : 30, Math.max(h.length, ...cells.map((c) => c[i].length))))
    const cols = process.stdout.columns || 120
    return [head, ...cells].map((c) => c.map((s, i) => clip(s, w[i]).padEnd(w[i])).join('  ').trimEnd().slice(0, cols - 1))
  }

  private draw(): void {
    if (this.mode !== 'tty') return
    const lines = this.lines()
    const up = this.drawn ? `\x1b[${this.drawn}A` : ''
    this.write(up + lines.map((l) => `\x1b[2K${l}\n`).join(''))
    this.drawn = lines.length
  }

  /** A message printed above the live table (which is then redrawn below it). */
  private above(text: string): void {
    const up = this.drawn ? `\x1b[${this.drawn}A\x1b[0J` : ''
    this.write(`${up}${text}\n`)
    this.drawn = 0
    this.draw()
  }
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s
}

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim()
  return flat.length > 160 ? flat.slice(0, 157) + '...' : flat
}
