/**
 * Power status of N ipmi_sim BMCs on loopback: native client cold (new sessions), warm
 * (pooled sessions) and `ipmitool -I lanplus -C 3 … power status` one process per BMC,
 * all at the same parallelism. Run: node --import tsx bench/ipmi.ts
 * Env: BENCH_IPMI_BMCS (default 100), BENCH_IPMI_PARALLEL (default 20), BENCH_IPMI_ROUNDS (default 3).
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {IpmiProvider} from '../src/bmc/ipmi.js'
import {closeAllIpmiSessions} from '../src/protocols/ipmi/pool.js'
import {type IpmiSim, freeUdpPort, startIpmiSim} from '../test/support/ipmi-sim.js'
import {ipmitoolArgs, runIpmitool} from '../test/support/ipmi-tool.js'

const N = Number(process.env.BENCH_IPMI_BMCS ?? 100)
const P = Number(process.env.BENCH_IPMI_PARALLEL ?? 20)
const ROUNDS = Number(process.env.BENCH_IPMI_ROUNDS ?? 3)
const PASSWORD = 'bench-Pass'

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, async () => {
    while (next < items.length) await fn(items[next++])
  }))
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bmpctl-bench-ipmi-'))
  const sims: IpmiSim[] = []
  const stopAll = async () => { await closeAllIpmiSessions(); await Promise.all(sims.map((s) => s.close())); rmSync(dir, {recursive: true, force: true}) }
  process.on('SIGINT', () => { void stopAll().then(() => process.exit(130)) })
  try {
    await pool(Array.from({length: N}, (_, i) => i), 10, async (i) => {
      sims.push(await startIpmiSim(join(dir, `bmc${i}`), await freeUdpPort(), 'admin', PASSWORD))
    })
    const providers = sims.map((s) => new IpmiProvider({address: '127.0.0.1', port: s.port, username: 'admin', password: PASSWORD, cipherSuite: 3, timeoutMs: 1000}))
    const check = (state: string) => { if (state !== 'off' && state !== 'on') throw new Error(`unexpected power state ${state}`) }
    const native = () => pool(providers, P, async (p) => check(await p.powerState()))
    // Chassis Status makes ipmi_sim fork its chassis_control hook; Get Device ID does not.
    const deviceId = () => pool(providers, P, async (p) => { await p.info() })
    const ipmitool = () => pool(sims, P, async (s) => {
      const r = await runIpmitool(ipmitoolArgs(s.port, 'admin', 3, ['power', 'status']), PASSWORD)
      if (r.code !== 0 || !/Chassis Power is (on|off)/.test(r.stdout)) throw new Error(`ipmitool failed on port ${s.port}: ${r.stderr}`)
    })
    const cold: number[] = []
    const warm: number[] = []
    const tool: number[] = []
    const devid: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      await closeAllIpmiSessions()
      cold.push(await timed(native))
      warm.push(await timed(native))
      devid.push(await timed(deviceId))
      tool.push(await timed(ipmitool))
    }
    const rows: [string, number][] = [['native cold (new sessions)', median(cold)], ['native warm (pooled sessions)', median(warm)],
      ['native warm, Get Device ID instead (no ipmi_sim hook fork)', median(devid)], ['ipmitool -I lanplus -C 3', median(tool)]]
    const base = median(tool)
    console.log(`\nIPMI power status of ${N} ipmi_sim BMCs, parallelism ${P}, median of ${ROUNDS} rounds\n`)
    console.log('| mode | wall ms | ms per BMC | ipmitool ÷ mode |')
    console.log('|---|---:|---:|---:|')
    for (const [name, ms] of rows) console.log(`| ${name} | ${ms.toFixed(0)} | ${(ms / N).toFixed(2)} | ${(base / ms).toFixed(1)}× |`)
    console.log(`\ntargets: warm < 500 ms ${median(warm) < 500 ? 'met' : 'MISSED'}; cold < 2000 ms ${median(cold) < 2000 ? 'met' : 'MISSED'}; ` +
      `native warm ≥ 10× ipmitool ${base / median(warm) >= 10 ? 'met' : 'MISSED'}; native cold ≥ 10× ipmitool ${base / median(cold) >= 10 ? 'met' : 'MISSED'}`)
  } finally {
    await stopAll()
  }
}

await main()
