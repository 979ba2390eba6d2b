/** The run's event bus: reporters and callers (deploy progress) subscribe to typed events. */
import type {RunEvent, RunEvents} from './types.js'

export class RunEmitter implements RunEvents {
  private readonly byType = new Map<string, ((e: any) => void)[]>()
  private readonly any: ((e: RunEvent) => void)[] = []

  on<T extends RunEvent['type']>(type: T, fn: (e: Extract<RunEvent, {type: T}>) => void): void {
    const list = this.byType.get(type) ?? []
    list.push(fn)
    this.byType.set(type, list)
  }

  onAny(fn: (e: RunEvent) => void): void {
    this.any.push(fn)
  }

  emit(e: RunEvent): void {
    for (const fn of this.byType.get(e.type) ?? []) fn(e)
    for (const fn of this.any) fn(e)
  }
}
