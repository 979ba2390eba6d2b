import {readFileSync, renameSync, writeFileSync} from 'node:fs'
import {createLogger, type Logger} from '../log.js'
import type {LabRecord, LabRuntime} from './lab-state.js'
import {QemuMachine} from './qemu-machine.js'
import {startIpmiVbmc} from './vbmc/ipmi-server.js'
import {startRedfishVbmc} from './vbmc/redfish-server.js'

/**
 * The lab daemon: one long-lived process inside the lab namespace holding every node's
 * QemuMachine and virtual BMC. `testenv up` starts it (`ip netns exec bmp-<lab> node
 * lab-daemon.js <state.json>`), `testenv down` ends it with SIGTERM.
 */

function writeRuntime(path: string, rt: LabRuntime): void {
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, JSON.stringify(rt, null, 2) + '\n')
  renameSync(tmp, path)
}

export async function runLabDaemon(stateFile: string, log: Logger): Promise<void> {
  const rec = JSON.parse(readFileSync(stateFile, 'utf8')) as LabRecord
  const password = readFileSync(rec.passwordFile, 'utf8').trim()
  const runtime: LabRuntime = {daemonPid: process.pid, ready: false, vms: {}}
  const record = () => writeRuntime(rec.runtimeFile, runtime)
  const machines: QemuMachine[] = []
  const closers: (() => Promise<void>)[] = []
  for (const n of rec.nodes) {
    const machine = new QemuMachine({
      name: n.vmName, disks: [n.disk], nics: [{mac: n.mac, tap: n.tap}], memoryMiB: rec.memoryMiB, uefi: rec.uefi,
      consoleLog: n.consoleLog, log,
      onChange: (m) => { runtime.vms[n.name] = {pid: m.pid, boot: m.bootOrder}; record() },
    })
    machines.push(machine)
    runtime.vms[n.name] = {}
    if (n.bmc.driver === 'ipmi') {
      const v = await startIpmiVbmc({machine, port: n.bmc.port, bindAddress: n.bmc.address, users: [{name: 'admin', password, privilege: 'administrator'}], log})
      closers.push(v.close)
    } else {
      const v = await startRedfishVbmc({machine, port: n.bmc.port, bindAddress: n.bmc.address, username: 'admin', password, systemId: n.name, log})
      closers.push(v.close)
    }
    log.info('node ready', {node: n.name, bmc: `${n.bmc.driver}://${n.bmc.address}:${n.bmc.port}`})
  }
  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info('lab daemon stopping', {signal})
    await Promise.allSettled(closers.map((c) => c()))
    await Promise.allSettled(machines.map((m) => m.powerOff(true)))
    for (const m of machines) m.close()
    runtime.ready = false
    record()
    process.exit(0)
  }
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => void shutdown(sig))
  runtime.ready = true
  record()
  log.info('lab daemon ready', {lab: rec.name, nodes: rec.nodes.length})
}

// Entry point: node lab-daemon.js <state.json>
if (process.argv[1] && /lab-daemon\.(ts|js)$/.test(process.argv[1])) {
  const log = createLogger({format: 'json', write: (line) => process.stdout.write(line + '\n')}).child({lab: process.argv[3] ?? ''})
  runLabDaemon(process.argv[2], log).catch((err: Error) => {
    log.error('lab daemon failed', {error: err.message})
    process.exit(1)
  })
}
