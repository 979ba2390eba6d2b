/**
 * Per-key token bucket for new transfers: a spoofed-source flood (TFTP reflection) or a
 * looping ROM costs at most `ratePerSec` transfers a second per client address.
 */
export class RateLimiter {
  private buckets = new Map<string, {tokens: number; at: number}>()

  constructor(private ratePerSec: number, private burst = Math.max(1, ratePerSec * 2), private now = () => Date.now()) {}

  /** Takes one token for `key`; false when the key is over its rate. */
  take(key: string): boolean {
    const t = this.now()
    const b = this.buckets.get(key) ?? {tokens: this.burst, at: t}
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.ratePerSec)
    b.at = t
    const ok = b.tokens >= 1
    if (ok) b.tokens -= 1
    this.buckets.set(key, b)
    if (this.buckets.size > 10000) this.prune(t)
    return ok
  }

  /** Forgets full buckets so the map cannot grow without bound under a spoofed flood. */
  private prune(t: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + ((t - b.at) / 1000) * this.ratePerSec >= this.burst) this.buckets.delete(k)
  }
}
