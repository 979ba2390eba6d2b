/**
 * Deploy benchmark: timestamps for what only the serial consoles show. Polls each lab VM's
 * console log every 200 ms and records when the guest first prints BMPCTL-GUEST-UP, so the
 * guest's own boot can be told apart from the wait_for_ssh retry interval (2 s).
 */
import {closeSync, existsSync, openSync, readdirSync, readSync} from 'node:fs'
import {join} from 'node:path'

const MARKER = 'BMPCTL-GUEST-UP'

export class ConsoleWatcher {
  private offsets = new Map<string, number>()
  private tails = new Map<string, string>()
  readonly guestUp: Record<string, number> = {}
  private timer?: NodeJS.Timeout

  constructor(private readonly dir: string) {}

  /** Starts at the current end of each log: only output from now on counts. */
  start(): void {
    this.poll(true)
    this.timer = setInterval(() => this.poll(false), 200)
  }

  stop(): Record<string, number> {
    clearInterval(this.timer)
    this.poll(false)
    return this.guestUp
  }

  private poll(skip: boolean): void {
    if (!existsSync(this.dir)) return
    for (const f of readdirSync(this.dir)) {
      const m = /^(.+)\.console\.log$/.exec(f)
      if (!m) continue
      const node = m[1]
      const text = this.readNew(join(this.dir, f), node)
      if (skip || this.guestUp[node] !== undefined) continue
      const tail = (this.tails.get(node) ?? '') + text
      if (tail.includes(MARKER)) this.guestUp[node] = Date.now()
      this.tails.set(node, tail.slice(-MARKER.length))
    }
  }

  private readNew(path: string, node: string): string {
    const fd = openSync(path, 'r')
    try {
      const chunks: Buffer[] = []
      let off = this.offsets.get(node) ?? 0
      const buf = Buffer.alloc(1 << 16)
      for (let n; (n = readSync(fd, buf, 0, buf.length, off)) > 0; off += n) chunks.push(Buffer.from(buf.subarray(0, n)))
      this.offsets.set(node, off)
      return Buffer.concat(chunks).toString('latin1')
    } finally {
      closeSync(fd)
    }
  }
}
