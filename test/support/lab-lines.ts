import type {ChildProcess} from 'node:child_process'

/**
 * Collects a lab child's stdout as JSON lines (lab-callback.ts, lab-ssh.ts) and lets a test
 * wait for the first line matching a predicate.
 */
export class JsonLines<T = Record<string, unknown>> {
  readonly lines: T[] = []
  private buf = ''
  private waiters: (() => void)[] = []
  private exitCode: number | null | undefined
  stderr = ''

  constructor(child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => {
      this.buf += d.toString()
      let nl: number
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl).trim()
        this.buf = this.buf.slice(nl + 1)
        if (line.startsWith('{')) this.lines.push(JSON.parse(line) as T)
      }
      this.wake()
    })
    child.stderr?.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-4000) })
    child.on('exit', (code) => { this.exitCode = code; this.wake() })
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w()
  }

  /** First line (already seen or future) matching `pred`. */
  waitFor(pred: (line: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.lines).slice(0, 2000)}; stderr: ${this.stderr}`)), timeoutMs)
      const check = () => {
        const hit = this.lines.find(pred)
        if (hit) { clearTimeout(timer); return resolve(hit) }
        if (this.exitCode !== undefined) { clearTimeout(timer); return reject(new Error(`process exited (${this.exitCode}) before ${what}; stderr: ${this.stderr}`)) }
        this.waiters.push(check)
      }
      check()
    })
  }

  /** Resolves with the exit code once the process ends. */
  exited(): Promise<number | null> {
    return new Promise((resolve) => {
      const check = () => (this.exitCode !== undefined ? resolve(this.exitCode) : this.waiters.push(check))
      check()
    })
  }
}
