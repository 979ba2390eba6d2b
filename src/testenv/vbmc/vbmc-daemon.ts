/**
 * Entry of a background virtual BMC (started detached by `bmpctl vbmc start`).
 * argv: <entry> <name>. Settings arrive in BMPCTL_VBMC_CONFIG (JSON, no secrets); the
 * password in BMPCTL_VBMC_PASSWORD or a file named in the config — never in argv.
 * Reports {ready, ipmiPort, redfishPort} or {error} over the IPC channel, then runs
 * until SIGTERM/SIGINT.
 */
import {readFileSync} from 'node:fs'
import {createLogger} from '../../log.js'
import {makeMachine, type MachineOptions} from './machines.js'
import {startIpmiVbmc} from './ipmi-server.js'
import {startRedfishVbmc} from './redfish-server.js'
import type {VbmcProtocol} from './registry.js'

export interface DaemonConfig {
  name: string
  protocol: VbmcProtocol
  bind: string
  ipmiPort?: number
  redfishPort?: number
  username: string
  passwordFile?: string
  machine: string
  machineOptions: MachineOptions
}

export type DaemonMessage = {ready: true; ipmiPort?: number; redfishPort?: number} | {error: string}

function readPassword(cfg: DaemonConfig): string {
  const fromEnv = process.env.BMPCTL_VBMC_PASSWORD
  delete process.env.BMPCTL_VBMC_PASSWORD
  if (fromEnv !== undefined) return fromEnv
  if (!cfg.passwordFile) throw new Error('no password given (BMPCTL_VBMC_PASSWORD or passwordFile)')
  return readFileSync(cfg.passwordFile, 'utf8').replace(/\r?\n$/, '')
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.BMPCTL_VBMC_CONFIG ?? '{}') as DaemonConfig
  delete process.env.BMPCTL_VBMC_CONFIG
  const log = createLogger({fields: {vbmc: cfg.name}})
  const password = readPassword(cfg)
  const machine = await makeMachine(cfg.machine, cfg.name, cfg.machineOptions)
  const closers: (() => Promise<void>)[] = []
  const msg: DaemonMessage = {ready: true}
  try {
    if (cfg.protocol !== 'redfish') {
      const v = await startIpmiVbmc({machine, port: cfg.ipmiPort ?? 623, bindAddress: cfg.bind, users: [{name: cfg.username, password, privilege: 'administrator'}], log})
      closers.push(() => v.close())
      msg.ipmiPort = v.port
    }
    if (cfg.protocol !== 'ipmi') {
      const v = await startRedfishVbmc({machine, port: cfg.redfishPort ?? 8000, bindAddress: cfg.bind, username: cfg.username, password, log})
      closers.push(() => v.close())
      msg.redfishPort = v.port
    }
  } catch (err) {
    await Promise.allSettled(closers.map((c) => c()))
    throw err
  }
  const stop = (sig: string) => {
    log.info('vbmc stopping', {signal: sig})
    void Promise.allSettled(closers.map((c) => c())).then(() => process.exit(0))
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  // The parent goes away after `ready`; a closed channel must not end the daemon.
  process.on('disconnect', () => undefined)
  log.info('vbmc ready', {ipmiPort: msg.ipmiPort, redfishPort: msg.redfishPort, machine: cfg.machine})
  process.send?.(msg)
}

main().catch((err: Error) => {
  const e = err as NodeJS.ErrnoException
  const text = e.code === 'EADDRINUSE' ? `port in use (${e.message})` : e.message
  process.stderr.write(`vbmc failed: ${text}\n`)
  if (process.send) process.send({error: text} satisfies DaemonMessage, () => process.exit(1))
  else process.exit(1)
})
