/** `bmpctl events NODE`: a node's event log as a timeline, optionally followed as it grows. */
import {formatElapsed} from '../runner/reporters/deploy.js'
import {sleep} from '../runner/sync.js'
import type {Store} from '../state/store.js'
import type {NodeEvent} from '../state/types.js'

export interface TimelineEntry extends NodeEvent {
  /** Milliseconds since the event before it (absent for the first one shown without a predecessor). */
  sincePrevMs?: number
}

/** Adds the time since the previous event; `prev` is the event just before the first one (paging, follow). */
export function timeline(events: NodeEvent[], prev?: Pick<NodeEvent, 'ts'>): TimelineEntry[] {
  let last = prev ? Date.parse(prev.ts) : undefined
  return events.map((e) => {
    const t = Date.parse(e.ts)
    const out: TimelineEntry = last === undefined ? {...e} : {...e, sincePrevMs: t - last}
    last = t
    return out
  })
}

/** Sub-second gaps in ms, longer ones as 1m05s, so bursts (DHCP DORA) and waits both read well. */
export function formatGap(ms: number | undefined): string {
  if (ms === undefined) return ''
  return ms < 1000 ? `+${ms}ms` : `+${formatElapsed(ms)}`
}

export function formatEntry(e: TimelineEntry): string {
  return `${e.ts}  ${formatGap(e.sincePrevMs).padStart(9)}  ${e.kind.padEnd(24)} ${e.message.replace(/\s+/g, ' ').trim()}`
}

export function formatTimeline(entries: TimelineEntry[], node: string): string {
  if (!entries.length) return `no events for ${node}`
  return entries.map(formatEntry).join('\n')
}

/** The newest `limit` events (all when no limit) with gaps, the first one measured from its predecessor. */
export function readTimeline(store: Store, node: string, limit?: number): TimelineEntry[] {
  store.requireNode(node)
  const events = store.events(node, limit === undefined ? {} : {limit: limit + 1})
  const prev = limit !== undefined && events.length > limit ? events.shift() : undefined
  return timeline(events, prev)
}

/** Polls for events after `last` (by id) until the signal aborts; each batch is handed over in order. */
export async function followTimeline(store: Store, node: string, last: NodeEvent | undefined, onEntries: (e: TimelineEntry[]) => void,
  opts: {intervalMs?: number; signal: AbortSignal}): Promise<void> {
  let prev = last
  while (!opts.signal.aborted) {
    const fresh = store.events(node, {afterId: prev?.id ?? 0, limit: 1000})
    if (fresh.length) {
      onEntries(timeline(fresh, prev))
      prev = fresh[fresh.length - 1]
      continue
    }
    await sleep(opts.intervalMs ?? 500, opts.signal)
  }
}
