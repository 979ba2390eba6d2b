/** `--json`: one event per line (play_start, task_start, host_result, progress, recap). */
import type {Reporter, RunEvents} from '../types.js'

export class JsonReporter implements Reporter {
  constructor(private readonly write: (line: string) => void = (l) => process.stdout.write(l + '\n')) {}
  attach(run: RunEvents): void {
    run.onAny((e) => this.write(JSON.stringify({ts: new Date().toISOString(), ...e})))
  }
}
