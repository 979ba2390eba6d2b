/** Machines a background vBMC can sit in front of; adding a kind is one entry here. */
import {InputError} from '../../errors.js'
import {FakeMachine, type Machine} from '../machine.js'

/** Options from `--machine-opt key=value`, passed to the machine's constructor. */
export type MachineOptions = Record<string, string>

export type MachineMaker = (name: string, opts: MachineOptions) => Promise<Machine>

export const MACHINES: Record<string, MachineMaker> = {
  fake: async (name, opts) => chatty(new FakeMachine(name), opts['console-lines-every-ms']),
}

/** `console-lines-every-ms=N`: the fake prints a numbered line to its console every N ms while on (for capture tests). */
function chatty(m: FakeMachine, everyMs: string | undefined): FakeMachine {
  const ms = Number(everyMs)
  if (!everyMs || !(ms > 0)) return m
  let n = 0
  setInterval(() => { if (m.state === 'on') m.console.emit('data', Buffer.from(`${m.name} console line ${++n}\r\n`)) }, ms)
  return m
}

export function machineKinds(): string[] {
  return Object.keys(MACHINES)
}

export async function makeMachine(kind: string, name: string, opts: MachineOptions = {}): Promise<Machine> {
  const make = MACHINES[kind]
  if (!make) throw new InputError(`unknown machine kind "${kind}"`, [], `use one of: ${machineKinds().join(', ')}`)
  return make(name, opts)
}
