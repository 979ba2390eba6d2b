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
  /** `rank` is the host's place in the batch: hosts leave a barrier in that order. */
  arrive(rank?: number): Promise<void>
  leave(): void
}

export const openGate: Gate = {arrive: () => Promise.resolve(), leave: () => {}}

export class Barrier implements Gate {
  private waiting: {rank: number; resolve: () => void}[] = []
  constructor(private active: number) {}

  arrive(rank = 0): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push({rank, resolve})
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
    // Release in host order, so run_once-style tasks run on the batch's first host, as in Ansible.
    const go = this.waiting.sort((a, b) => a.rank - b.rank)
    this.waiting = []
    for (const w of go) w.resolve()
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
