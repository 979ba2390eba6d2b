/** TTY reporter: a listr2 tree, one entry per play with the running task under it, then the recap. */
import {Listr, type ListrTaskWrapper} from 'listr2'
import {recapLine} from '../recap.js'
import type {Reporter, RunEvents, HostStatus} from '../types.js'

type Counts = Record<HostStatus, number>
const zero = (): Counts => ({ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, ignored: 0, rescued: 0})

export class TreeReporter implements Reporter {
  private current?: {finish: (err?: Error) => void; done: Promise<unknown>}
  private task?: ListrTaskWrapper<unknown, any, any>
  private title = ''
  private counts = zero()
  private failures: string[] = []
  private pending: Promise<unknown> = Promise.resolve()

  constructor(private readonly write: (s: string) => void = (s) => process.stdout.write(s)) {}

  attach(run: RunEvents): void {
    run.on('play_start', (e) => {
      this.endPlay()
      this.startPlay(`PLAY [${e.play}] (${e.hosts.length} hosts)`)
    })
    run.on('task_start', (e) => {
      this.title = `${e.handler ? 'HANDLER' : 'TASK'} [${e.task}]`
      this.counts = zero()
      this.render()
    })
    run.on('host_result', (e) => {
      if (e.item !== undefined) return
      this.counts[e.status]++
      if (e.status === 'failed' || e.status === 'unreachable') this.failures.push(`${e.status}: [${e.host}] ${this.title}${e.msg ? ` => ${e.msg}` : ''}`)
      this.render()
    })
    run.on('progress', (e) => {
      if (this.task) this.task.output = `${this.title} [${e.host}] ${e.message}`
    })
    run.on('recap', (e) => {
      const failed = this.failures.length > 0
      this.endPlay(failed ? new Error(`${this.failures.length} host failure(s)`) : undefined)
      this.pending = this.pending.then(() => {
        const lines = ['', ...this.failures, '', 'PLAY RECAP', ...Object.entries(e.recap).map(([h, c]) => recapLine(h, c))]
        this.write(lines.join('\n') + '\n')
      })
    })
  }

  /** Resolves once listr2 has drawn its last frame and the recap is written. */
  async close(): Promise<void> {
    await this.pending
  }

  private render(): void {
    if (!this.task) return
    const c = this.counts
    this.task.output = `${this.title}  ok ${c.ok}  changed ${c.changed}  failed ${c.failed + c.unreachable}  skipped ${c.skipped}`
  }

  private startPlay(title: string): void {
    let finish!: (err?: Error) => void
    const gate = new Promise<void>((resolve, reject) => { finish = (err) => (err ? reject(err) : resolve()) })
    const list = new Listr([{title, task: async (_ctx, task) => { this.task = task; await gate }, rendererOptions: {persistentOutput: true}}],
      {exitOnError: false, rendererOptions: {collapseErrors: false}})
    const done = list.run().catch(() => undefined)
    this.current = {finish, done}
    this.pending = this.pending.then(() => done)
  }

  private endPlay(err?: Error): void {
    this.current?.finish(err)
    this.current = undefined
    this.task = undefined
  }
}
