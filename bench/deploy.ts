/**
 * Deploy benchmark (root): for each N, a fresh virtual lab of N BIOS VMs, `bmpctl deploy --forks N`
 * timed end to end, each node's event log broken down by boot-chain stage, bmpctl's own overhead
 * (wall time minus the stages a deploy cannot avoid), CPU accounting, and a VMs-only baseline
 * (same VMs PXE-boot the same LiveOS without bmpctl) to show what the emulation costs by itself.
 * Usage: npm run build && node --import tsx bench/deploy.ts [counts… (default 1 2 4)]
 * Env: BENCH_DEPLOY_BASELINE=0 skips the VMs-only baseline; BENCH_DEPLOY_JSON=FILE keeps raw results;
 *      BENCH_DEPLOY_FROM=FILE prints the tables again from such a file (no lab).
 */
import {availableParallelism} from 'node:os'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {breakdown, findMarks, median, overhead, sec, STAGES, type Marks, type NodeBreakdown, type Overhead} from './deploy-stages.js'
import {removeDataDir, requireBuilt, runLab, type LabRun} from './deploy-lab.js'
import {runVmOnly, type VmOnlyResult} from './deploy-vmonly.js'

const counts = process.argv.slice(2).map(Number)
if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 9)) {
  console.error('usage: node --import tsx bench/deploy.ts [counts… 1-9, default 1 2 4]')
  process.exit(2)
}
if (!counts.length) counts.push(1, 2, 4)
const CPUS = availableParallelism()
const log = (s: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${s}`)

interface Analysed { run: LabRun; nodes: NodeBreakdown[]; marks: Record<string, Marks>; ov?: Overhead }

function analyse(run: LabRun): Analysed {
  const marks: Record<string, Marks> = {}
  const nodes = Object.entries(run.events).map(([node, events]) => {
    marks[node] = findMarks(events, run.startMs, run.guestUp?.[node])
    return breakdown(node, marks[node], run.startMs, run.endMs)
  })
  return {run, nodes, marks, ov: run.ok ? overhead(nodes, marks, run.endMs - run.startMs) : undefined}
}

const stat = (xs: (number | undefined)[]) => {
  const v = xs.filter((x): x is number => x !== undefined)
  return {med: median(v), min: v.length ? Math.min(...v) : undefined, max: v.length ? Math.max(...v) : undefined}
}

const bootToCallback = (m: Marks) => m.powerOn !== undefined && m.callback !== undefined ? m.callback - m.powerOn : undefined

function printLab(a: Analysed): void {
  const {run, nodes} = a
  const wall = run.endMs - run.startMs
  const active = Object.values(run.states).filter((s) => s === 'active').length
  console.log(`\n### N=${run.n}: wall ${sec(wall)} s, deploy ${run.ok ? 'ok' : 'FAILED'}, ${active}/${run.n} nodes active\n`)
  if (run.error) console.log(`error: ${run.error.replace(/\s+/g, ' ').slice(0, 600)}\n`)
  if (!nodes.length) return
  console.log('| stage | median s | min s | max s | counted as |')
  console.log('|---|---:|---:|---:|---|')
  for (const s of STAGES) {
    const {med, min, max} = stat(nodes.map((n) => n.stages[s.id]))
    console.log(`| ${s.label} | ${sec(med)} | ${sec(min)} | ${sec(max)} | ${s.unavoidable ? 'unavoidable' : 'bmpctl'} |`)
  }
  const b2c = stat(Object.values(a.marks).map(bootToCallback))
  console.log(`| _power-on → call-back (for the baseline)_ | ${sec(b2c.med)} | ${sec(b2c.min)} | ${sec(b2c.max)} | |`)
  const tot = stat(nodes.map((n) => n.totalMs))
  console.log(`| **node total (start → deploy exits)** | ${sec(tot.med)} | ${sec(tot.min)} | ${sec(tot.max)} | |`)
  const c = run.cpu
  if (c) {
    console.log(`\nCPU during the deploy: deploy command ${sec((c.deployCpuSec ?? NaN) * 1000)} s, serve ${sec((c.serveCpuSec ?? NaN) * 1000)} s, ` +
      `qemu ${c.qemuCpuSec.toFixed(1)} s over ${c.qemuPids} processes (${(c.qemuCpuSec / (wall / 1000)).toFixed(2)} CPUs busy on average), ` +
      `machine busy ${c.machineBusyPct.toFixed(0)} % of ${CPUS} CPUs, load average at the end ${c.loadAvg.toFixed(1)}`)
  }
  if (a.ov) console.log(`overhead: wall ${sec(a.ov.wallMs)} s − unavoidable ${sec(a.ov.unavoidableMs)} s (critical node ${a.ov.critical}) = ${sec(a.ov.overheadMs)} s = ${a.ov.pct.toFixed(1)} % ` +
    `(${sec(a.ov.strictOverheadMs)} s = ${a.ov.strictPct.toFixed(1)} % if the iPXE set-up wait counted as bmpctl's)`)
  const crit = nodes.find((x) => x.node === a.ov?.critical)
  if (crit) console.log(`overhead parts on ${crit.node}: ${STAGES.filter((s) => !s.unavoidable).map((s) => `${s.id} ${sec(crit.stages[s.id])}`).join(', ')} s`)
}

function printSummary(all: Analysed[], base: Map<number, VmOnlyResult>): void {
  const one = all.find((a) => a.run.n === 1 && a.run.ok)
  const oneWall = one ? one.run.endMs - one.run.startMs : undefined
  const b1 = base.get(1)
  const bWall = (r?: VmOnlyResult) => r?.ok ? r.wallMs : undefined
  console.log('\n### Summary\n')
  console.log(`| N | deploy wall s | ÷ N=1 | unavoidable s | bmpctl overhead s | overhead % | overhead % incl. iPXE wait | power-on → call-back s (median) | VMs only: power-on → call-back s (median) | VMs only wall ÷ N=1 | qemu CPU s | qemu CPU ÷ ${CPUS} CPUs s | machine busy % |`)
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const a of all) {
    const wall = a.run.endMs - a.run.startMs
    const b = base.get(a.run.n)
    const bMed = median((b?.vms ?? []).map((v) => v.callback).filter((x): x is number => x !== undefined))
    const bRatio = bWall(b) !== undefined && bWall(b1) !== undefined ? `${(bWall(b)! / bWall(b1)!).toFixed(2)}×` : 'n/a'
    const b2c = stat(Object.values(a.marks).map(bootToCallback)).med
    console.log(`| ${a.run.n} | ${sec(wall)}${a.run.ok ? '' : ' (failed)'} | ${oneWall ? (wall / oneWall).toFixed(2) + '×' : 'n/a'} | ${sec(a.ov?.unavoidableMs)} | ` +
      `${sec(a.ov?.overheadMs)} | ${a.ov ? a.ov.pct.toFixed(1) : 'n/a'} | ${a.ov ? a.ov.strictPct.toFixed(1) : 'n/a'} | ${sec(b2c)} | ${sec(bMed)} | ${bRatio} | ${a.run.cpu?.qemuCpuSec.toFixed(0) ?? 'n/a'} | ${a.run.cpu ? (a.run.cpu.qemuCpuSec / CPUS).toFixed(0) : 'n/a'} | ${a.run.cpu?.machineBusyPct.toFixed(0) ?? 'n/a'} |`)
  }
  console.log('\ntargets: N=4 wall within 1.3× of N=1; bmpctl overhead < 10 % of wall time')
}

function report(runs: LabRun[], base: Map<number, VmOnlyResult>): void {
  const all = runs.map(analyse)
  for (const a of all) printLab(a)
  printSummary(all, base)
  for (const [n, b] of base) {
    const s = (k: 'script' | 'kernel' | 'callback') => sec(median(b.vms.map((v) => v[k]).filter((x): x is number => x !== undefined)))
    const cpu = b.vms.reduce((t, v) => t + (v.cpuSec ?? 0), 0)
    console.log(`VMs only N=${n}: ${b.ok ? 'ok' : b.error}; median from qemu start: iPXE script ${s('script')} s, kernel+initrd ${s('kernel')} s, ` +
      `call-back ${s('callback')} s; wall ${sec(b.wallMs)} s; qemu CPU ${cpu.toFixed(1)} s`)
  }
}

async function main(): Promise<void> {
  if (process.env.BENCH_DEPLOY_FROM) {
    const saved = JSON.parse(readFileSync(process.env.BENCH_DEPLOY_FROM, 'utf8')) as {runs: LabRun[]; base: [number, VmOnlyResult][]}
    return report(saved.runs, new Map(saved.base))
  }
  requireBuilt()
  const runs: LabRun[] = []
  const base = new Map<number, VmOnlyResult>()
  const save = () => process.env.BENCH_DEPLOY_JSON && writeFileSync(process.env.BENCH_DEPLOY_JSON, JSON.stringify({runs, base: [...base.entries()]}, null, 1))
  try {
    for (const n of counts) {
      const run = await runLab(n, log)
      runs.push(run)
      save()
      // Right after its lab, so both see the same load from whatever else runs on the machine.
      if (process.env.BENCH_DEPLOY_BASELINE !== '0' && run.liveosDir) {
        base.set(n, await runVmOnly(n, run.liveosDir, join(run.dataDir, 'ssh', 'id_ed25519.pub'), log))
        save()
      }
    }
  } finally {
    for (const r of runs) removeDataDir(r)
  }
  report(runs, base)
  console.log(`\nnode ${process.version}, ${new Date().toISOString().slice(0, 10)}`)
}

main().catch((err) => { console.error(`deploy bench: ${(err as Error).message}`); process.exit(1) })
