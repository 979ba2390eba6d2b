/**
 * VMs-only baseline: N qemu VMs (same machine type, memory, firmware and iPXE ROM as the
 * lab) PXE-boot the same LiveOS through qemu's built-in user network (DHCP + boot file) and a
 * bare static HTTP server, no bmpctl anywhere; timed from qemu start to the LiveOS call-back.
 * Everything runs in a namespace of its own with only loopback, so nothing leaves it.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {closeSync, mkdtempSync, openSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createInterface} from 'node:readline'
import {procCpuSec} from './deploy-cpu.js'
import {ROOT} from './deploy-lab.js'

export interface VmOnlyResult {
  n: number
  ok: boolean
  error?: string
  /** Per VM: ms from qemu start to each point. */
  vms: {script?: number; kernel?: number; callback?: number; cpuSec?: number}[]
  wallMs: number
}

const PORT = 18080

export async function runVmOnly(n: number, liveosDir: string, sshPub: string, log: (s: string) => void): Promise<VmOnlyResult> {
  const ns = `bmpbv${process.pid % 10000}n${n}`
  const dir = mkdtempSync(join(tmpdir(), 'bmpctl-bench-vmonly-'))
  const procs: ChildProcess[] = []
  const result: VmOnlyResult = {n, ok: false, vms: Array.from({length: n}, () => ({})), wallMs: 0}
  const killAll = () => { for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL') }
  process.on('exit', killAll)
  try {
    spawnSync('ip', ['netns', 'add', ns], {stdio: 'ignore'})
    spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up'], {stdio: 'ignore'})
    const server = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', join(ROOT, 'bench/deploy-vmonly-server.ts'), String(PORT), liveosDir, sshPub],
      {stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT})
    procs.push(server)
    const starts: number[] = []
    let done = 0
    let listening!: () => void
    const up = new Promise<void>((r) => { listening = r })
    let allBack!: () => void
    const back = new Promise<void>((r) => { allBack = r })
    createInterface({input: server.stdout!}).on('line', (line) => {
      const e = JSON.parse(line) as {vm: string; what: string; t: number}
      if (e.what === 'listening') return listening()
      const i = Number(e.vm)
      const vm = result.vms[i]
      const since = e.t - starts[i]
      if (e.what === 'script') vm.script ??= since
      else if (e.what === 'vmlinuz' || e.what === 'initrd.img') vm.kernel = Math.max(vm.kernel ?? 0, since)
      else if (e.what === 'callback' && vm.callback === undefined) (vm.callback = since, ++done === n && allBack())
    })
    await Promise.race([up, new Promise((_, rej) => setTimeout(() => rej(new Error('baseline server did not start')), 30_000))])
    log(`VMs only N=${n}: starting ${n} qemu`)
    const qemus: ChildProcess[] = []
    for (let i = 0; i < n; i++) {
      const disk = join(dir, `vm${i}.raw`)
      closeSync(openSync(disk, 'w'))
      spawnSync('truncate', ['-s', '8G', disk])
      const args = ['-name', `bench-vm${i}`, '-accel', 'tcg', '-machine', 'pc', '-m', '512', '-smp', '1', '-display', 'none', '-no-user-config', '-nodefaults',
        '-serial', `file:${join(dir, `vm${i}.console.log`)}`, '-drive', `file=${disk},if=virtio,format=raw,index=0`,
        '-netdev', `user,id=n0,ipv6=off,bootfile=http://10.0.2.2:${PORT}/boot/${i}.ipxe`,
        '-device', `virtio-net-pci,disable-legacy=on,netdev=n0,mac=52:54:00:be:00:0${i},romfile=/usr/lib/ipxe/qemu/pxe-virtio.rom`, '-boot', 'order=n']
      starts[i] = Date.now()
      const q = spawn('ip', ['netns', 'exec', ns, 'qemu-system-x86_64', ...args], {stdio: 'ignore'})
      procs.push(q)
      qemus.push(q)
    }
    const t0 = Math.min(...starts)
    const timedOut = await Promise.race([back.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 10 * 60_000))])
    result.wallMs = Date.now() - t0
    qemus.forEach((q, i) => { result.vms[i].cpuSec = procCpuSec(q.pid!) })
    result.ok = !timedOut
    if (timedOut) result.error = `only ${done} of ${n} VMs called back within 10 min`
    log(`VMs only N=${n}: ${result.ok ? 'all called back' : result.error} in ${(result.wallMs / 1000).toFixed(1)} s`)
  } catch (err) {
    result.error = (err as Error).message
  } finally {
    killAll()
    process.off('exit', killAll)
    await new Promise((r) => setTimeout(r, 500))
    spawnSync('ip', ['netns', 'del', ns], {stdio: 'ignore'})
    rmSync(dir, {recursive: true, force: true})
  }
  return result
}
