import {EventEmitter} from 'node:events'
import type {BootDeviceSetting, PowerState} from '../bmc/types.js'

/**
 * What a virtual BMC sits in front of: a machine that can be powered and reset, boots
 * from the device the BMC last set, and may expose a serial console (for SOL).
 * Lab VMs (qemu) and in-memory fakes (scale tests) implement it.
 */
export interface Machine {
  readonly name: string
  powerState(): Promise<PowerState>
  /** Power on, booting from `boot` (the BMC's current boot override). */
  powerOn(boot: BootDeviceSetting): Promise<void>
  /** Power off: `hard` pulls the plug, otherwise an ACPI shutdown request. */
  powerOff(hard: boolean): Promise<void>
  /** Hard reset while on (re-reads the boot device). */
  reset(boot: BootDeviceSetting): Promise<void>
  /** Serial console bytes out of the machine ('data') and a way to type into it. */
  readonly console?: MachineConsole
}

export interface MachineConsole extends EventEmitter {
  write(data: Buffer): void
  on(event: 'data', listener: (data: Buffer) => void): this
}

/** In-memory machine: records what it was asked to do; for tests and fleet simulation. */
export class FakeMachine implements Machine {
  state: PowerState = 'off'
  /** Boot device used at the last power-on or reset. */
  lastBoot?: BootDeviceSetting
  /** Every action in order, e.g. `on:pxe`, `off:hard`, `reset:disk`. */
  readonly history: string[] = []
  readonly console: MachineConsole = Object.assign(new EventEmitter(), {
    write: (data: Buffer) => { this.console.emit('data', Buffer.from(`echo:${data.toString()}`)) },
  }) as MachineConsole

  constructor(readonly name: string) {}

  async powerState(): Promise<PowerState> {
    return this.state
  }

  async powerOn(boot: BootDeviceSetting): Promise<void> {
    this.history.push(`on:${boot.device}`)
    this.lastBoot = boot
    this.state = 'on'
  }

  async powerOff(hard: boolean): Promise<void> {
    this.history.push(`off:${hard ? 'hard' : 'soft'}`)
    this.state = 'off'
  }

  async reset(boot: BootDeviceSetting): Promise<void> {
    this.history.push(`reset:${boot.device}`)
    this.lastBoot = boot
    this.state = 'on'
  }
}
