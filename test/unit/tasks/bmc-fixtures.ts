import {createBmc} from '../../../src/bmc/factory.js'
import {fakeBmcState, resetFakeBmcs, type FakeBmcState} from '../../../src/bmc/fake.js'
import {silentLogger} from '../../../src/log.js'
import type {TaskContext} from '../../../src/tasks/types.js'

/** A host with a fake BMC, and the bmcFor service a runner caller would inject. */
export function fakeHost(host = 'n1'): {state: FakeBmcState; services: {bmcFor: (h: string) => ReturnType<typeof createBmc>}} {
  resetFakeBmcs()
  const state = fakeBmcState(`bmc-${host}`)
  const bmcFor = (h: string) => createBmc({driver: 'fake', address: `bmc-${h}`}, {label: h})
  return {state, services: {bmcFor}}
}

export function taskCtx<P>(params: P, services: Record<string, unknown>, check = false, host = 'n1'): TaskContext<P> {
  return {params, host, vars: {}, check, signal: new AbortController().signal, log: silentLogger, services, progress: () => {}}
}

/** Calls that change the machine, as opposed to reads. */
export function writes(state: FakeBmcState): string[] {
  return state.calls.filter((c) => c.startsWith('set'))
}
