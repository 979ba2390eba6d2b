import {EventEmitter} from 'node:events'
import {appendFileSync, closeSync, existsSync, openSync, readSync, rmSync, statSync} from 'node:fs'
import type {BootDeviceSetting, PowerState} from '../bmc/types.js'
import {silentLogger, type Logger} from '../log.js'
import type {Machine, MachineConsole} from './machine.js'
import {startVm, type VmHandle, type VmNic} from './qemu.js'

/** A lab machine backed by qemu: each power-on starts a qemu process, power-off ends it. */
export interface QemuMachineOptions {
  name: string
  disks: string[]
  nics: VmNic[]
  memoryMiB?: number
  uefi?: boolean
  /** Console log; every power-on appends to it. */
  consoleLog: string
  /** Run qemu in this namespace; omit when the caller already runs inside it. */
  netns?: string
  /** How long an ACPI shutdown may take before the plug is pulled (default 10 s). */
  softOffGraceMs?: number
  log?: Logger
  /** Called after every power change (the lab daemon records qemu PIDs with it). */
  onChange?: (machine: QemuMachine) => void
}

type FirmwareBoot = 'network' | 'disk'

/** qemu boots the network for PXE, else the disk (cdrom/bios/none fall back to disk). */
export function firmwareBoot(boot: BootDeviceSetting): FirmwareBoot {
  return boot.device === 'pxe' ? 'network' : 'disk'
}

export class QemuMachine implements Machine {
  readonly name: string
  readonly console: MachineConsole
  private vm?: VmHandle
  private booted?: FirmwareBoot
  private running = false
  private tail?: NodeJS.Timeout
  private readonly log: Logger

  constructor(private readonly opts: QemuMachineOptions) {
    this.name = opts.name
    this.log = (opts.log ?? silentLogger).child({machine: opts.name})
    // Serial output is a file (startVm): the console reads it; typing in is not wired.
    this.console = Object.assign(new EventEmitter(), {
      write: (_data: Buffer) => { this.log.debug('console input dropped: lab VM serial is output-only') },
    }) as MachineConsole
  }

  /** qemu's PID while on. */
  get pid(): number | undefined {
    return this.running ? this.vm?.pid : undefined
  }

  /** Firmware boot order of the running qemu. */
  get bootOrder(): FirmwareBoot | undefined {
    return this.running ? this.booted : undefined
  }

  async powerState(): Promise<PowerState> {
    return this.running ? 'on' : 'off'
  }

  async powerOn(boot: BootDeviceSetting): Promise<void> {
    if (this.running) return
    await this.start(firmwareBoot(boot))
  }

  async powerOff(hard: boolean): Promise<void> {
    const vm = this.vm
    if (!vm || !this.running) return
    if (!hard) {
      await vm.qmp('system_powerdown').catch(() => undefined)
      const grace = new Promise<'late'>((r) => setTimeout(() => r('late'), this.opts.softOffGraceMs ?? 10_000).unref())
      if ((await Promise.race([vm.exited, grace])) === 'late') this.log.info('guest ignored ACPI shutdown; pulling the plug')
    }
    await this.halt(vm)
  }

  private async halt(vm: VmHandle): Promise<void> {
    await vm.stop()
    if (this.vm === vm) this.running = false
  }

  async reset(boot: BootDeviceSetting): Promise<void> {
    const want = firmwareBoot(boot)
    if (!this.running || !this.vm) return this.start(want)
    // qemu's boot order is fixed at start: a different device needs a new process.
    if (want !== this.booted) {
      await this.halt(this.vm)
      return this.start(want)
    }
    await this.vm.qmp('system_reset')
    this.opts.onChange?.(this)
  }

  private async start(boot: FirmwareBoot): Promise<void> {
    const runLog = `${this.opts.consoleLog}.run`
    this.drain()
    rmSync(runLog, {force: true})
    const vm = await startVm({
      name: this.name, memoryMiB: this.opts.memoryMiB, disks: this.opts.disks, nics: this.opts.nics,
      boot, uefi: this.opts.uefi, serialLog: runLog, netns: this.opts.netns, log: this.opts.log,
    })
    this.vm = vm
    this.booted = boot
    this.running = true
    this.follow(runLog)
    void vm.exited.then(() => {
      if (this.vm !== vm) return
      this.running = false
      this.drain()
      this.log.info('machine is off', {pid: vm.pid})
      this.opts.onChange?.(this)
    })
    this.log.info('machine is on', {pid: vm.pid, boot})
    this.opts.onChange?.(this)
  }

  private offset = 0
  private runLog = ''

  /** Copies new serial bytes into the console log and to console listeners. */
  private follow(runLog: string): void {
    this.drain()
    this.runLog = runLog
    this.offset = 0
    clearInterval(this.tail)
    this.tail = setInterval(() => this.drain(), 200)
    this.tail.unref()
  }

  private drain(): void {
    if (!this.runLog || !existsSync(this.runLog)) return
    const size = statSync(this.runLog).size
    if (size <= this.offset) return
    const buf = Buffer.alloc(size - this.offset)
    const fd = openSync(this.runLog, 'r')
    try { readSync(fd, buf, 0, buf.length, this.offset) } finally { closeSync(fd) }
    this.offset = size
    appendFileSync(this.opts.consoleLog, buf)
    this.console.emit('data', buf)
  }

  /** Stops following the console (after power-off; the daemon calls it on exit). */
  close(): void {
    clearInterval(this.tail)
    this.drain()
  }
}
