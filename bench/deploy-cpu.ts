/**
 * Deploy benchmark: whose CPU time is it? Samples /proc once a second while a deploy runs:
 * the machine's busy share and the CPU seconds of every qemu whose command line names the
 * lab's data dir (qemu is restarted on a boot-device change, so several PIDs per VM).
 */
import {readdirSync, readFileSync} from 'node:fs'

const TICK = 100 // CLK_TCK on Linux x86-64

/** utime + stime of a process in seconds, or undefined once it is gone. */
export function procCpuSec(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the parenthesised command name (which may hold spaces).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / TICK
  } catch {
    return undefined
  }
}

function machineTicks(): {busy: number; total: number} {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0)
  const idle = cpu[3] + cpu[4]
  return {busy: total - idle, total}
}

export interface CpuReport {
  /** Sum over qemu processes of the lab (last sample of each; up to 1 s of a VM's end is lost). */
  qemuCpuSec: number
  qemuPids: number
  /** Machine-wide busy share over the deploy, all processes (including other work on the machine). */
  machineBusyPct: number
  /** 1-minute load average at the end. */
  loadAvg: number
}

export class CpuSampler {
  private seen = new Map<number, number>()
  private timer?: NodeJS.Timeout
  private first = machineTicks()

  constructor(private readonly marker: string) {}

  start(): void {
    this.first = machineTicks()
    this.sample()
    this.timer = setInterval(() => this.sample(), 1000)
  }

  private sample(): void {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue
      let cmd: string
      try { cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8') } catch { continue }
      if (!cmd.startsWith('qemu-system') && !cmd.includes('/qemu-system')) continue
      if (!cmd.includes(this.marker)) continue
      const t = procCpuSec(Number(d))
      if (t !== undefined) this.seen.set(Number(d), t)
    }
  }

  stop(): CpuReport {
    this.sample()
    clearInterval(this.timer)
    const last = machineTicks()
    const busy = last.busy - this.first.busy
    const total = last.total - this.first.total
    const qemuCpuSec = [...this.seen.values()].reduce((a, b) => a + b, 0)
    const loadAvg = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0])
    return {qemuCpuSec, qemuPids: this.seen.size, machineBusyPct: total ? (100 * busy) / total : 0, loadAvg}
  }
}
