/**
 * `bmpctl install`: preflight (changes nothing on failure), then packages, TFTP and HTTP
 * roots, the deploy SSH key, the LiveOS, config.yaml and the systemd unit. Idempotent.
 */
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {layout, loadConfig, renderConfig, type ManagerConfig} from '../config/config.js'
import {silentLogger, type Logger} from '../log.js'
import {ensureSshKey, layHttpRoot, layTftpRoot, writeConfigFile, type StepResult} from './install-steps.js'
import {realSystem, type InstallSystem} from './install-system.js'
import {liveosStep} from './liveos.js'
import {preflight, type InstallInput} from './preflight.js'
import {installUnit} from './systemd.js'

export type {InstallInput} from './preflight.js'
export type {StepResult, StepStatus} from './install-steps.js'

export interface InstallOptions extends InstallInput {
  system?: InstallSystem
  /** Where Debian's ipxe package keeps its loaders. */
  ipxeDir?: string
  unitPath?: string
  log?: Logger
  /** Called as each step finishes (progress lines). */
  onStep?: (r: StepResult) => void
}

export interface InstallReport {
  dataDir: string
  config: ManagerConfig
  steps: StepResult[]
  notes: string[]
  foreignDhcp: string[]
  changed: boolean
}

async function existingConfig(dataDir: string): Promise<ManagerConfig | undefined> {
  return existsSync(join(dataDir, 'config.yaml')) ? loadConfig(dataDir) : undefined
}

export async function install(opts: InstallOptions): Promise<InstallReport> {
  const sys = opts.system ?? realSystem
  const log = opts.log ?? silentLogger
  const pre = await preflight(opts, sys, await existingConfig(opts.dataDir))
  const lay = layout(opts.dataDir, pre.config)
  const steps: StepResult[] = []
  const step = async (fn: () => StepResult | Promise<StepResult>) => {
    const r = await fn()
    steps.push(r)
    opts.onStep?.(r)
  }
  const ipxeDir = opts.ipxeDir ?? '/usr/lib/ipxe'
  await step(async () => {
    if (!pre.missingPackages.length) return {step: 'packages', status: 'unchanged'}
    await sys.exec('apt-get', ['install', '-y', '--no-install-recommends', ...pre.missingPackages], {DEBIAN_FRONTEND: 'noninteractive'})
    return {step: 'packages', status: 'changed', detail: `installed ${pre.missingPackages.join(', ')}`}
  })
  await step(() => layTftpRoot(lay.tftpRoot, ipxeDir))
  await step(() => layHttpRoot(lay.httpRoot, ipxeDir))
  await step(() => ensureSshKey(lay.sshKey, (cmd, args) => sys.exec(cmd, args)))
  await step(() => liveosStep({liveosDir: lay.liveosDir, dataDir: opts.dataDir}, log))
  await step(() => writeConfigFile(lay.configFile, renderConfig(pre.config)))
  await step(() => opts.systemd ? installUnit(opts.dataDir, sys, opts.unitPath) : {step: 'systemd unit', status: 'skipped', detail: '--no-systemd'})
  return {
    dataDir: opts.dataDir, config: pre.config, steps, notes: pre.notes, foreignDhcp: pre.foreignDhcp,
    changed: steps.some((s) => s.status === 'changed'),
  }
}
