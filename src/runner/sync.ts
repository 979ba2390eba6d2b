/** Concurrency primitives for strategies: a fork limiter and the linear strategy's lockstep barrier. */

export class Semaphore {
  private queue: (() => void)[] = []
  constructor(private free: number) {}

  async use<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--
    else await new Promise<void>((r) => this.queue.push(r))
    try {
      return await fn()
    } finally {
      const next = this.queue.shift()
      if (next) next()
      else this.free++
    }
  }
}

/** Gate every host passes before each task; `linear` holds hosts until all active ones arrive. */
export interface Gate {
  arrive(): Promise<void>
  leave(): void
}

export const openGate: Gate = {arrive: () => Promise.resolve(), leave: () => {}}

export class Barrier implements Gate {
  private waiting: (() => void)[] = []
  constructor(private active: number) {}

  arrive(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve)
      this.check()
    })
  }

  /** A host finished or dropped out; the rest must not wait for it. */
  leave(): void {
    this.active--
    this.check()
  }

  private check(): void {
    if (this.waiting.length === 0 || this.waiting.length < this.active) return
    const go = this.waiting
    this.waiting = []
    for (const r of go) r()
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve()
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, {once: true})
  })
}
