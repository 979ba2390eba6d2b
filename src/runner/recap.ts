/** PLAY RECAP bookkeeping with ansible-core 2.14's counting rules. */
import type {Counts} from './types.js'

export const emptyCounts = (): Counts => ({ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0})

/** How one task ended on one host, as the recap sees it. */
export type Outcome = 'ok' | 'changed' | 'skipped' | 'failed' | 'rescued' | 'ignored' | 'ignored-changed' | 'unreachable'

export class Recap {
  readonly counts = new Map<string, Counts>()

  host(name: string): Counts {
    let c = this.counts.get(name)
    if (!c) this.counts.set(name, (c = emptyCounts()))
    return c
  }

  /** ok includes changed and ignored; a rescued failure counts only as rescued (not failed, not changed). */
  add(host: string, outcome: Outcome): void {
    const c = this.host(host)
    switch (outcome) {
      case 'ok': c.ok++; break
      case 'changed': c.ok++; c.changed++; break
      case 'skipped': c.skipped++; break
      case 'failed': c.failed++; break
      case 'rescued': c.rescued++; break
      case 'ignored': c.ok++; c.ignored++; break
      case 'ignored-changed': c.ok++; c.ignored++; c.changed++; break
      case 'unreachable': c.unreachable++; break
    }
  }

  toObject(): Record<string, Counts> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)))
  }
}

/** One recap line in Ansible's layout. */
export function recapLine(host: string, c: Counts): string {
  const f = (k: keyof Counts) => `${k}=${String(c[k]).padEnd(4)}`
  const cols: (keyof Counts)[] = ['ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored']
  return `${host.padEnd(26)} : ${cols.map(f).join(' ')}`.trimEnd()
}
