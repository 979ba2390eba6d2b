import {execFileSync, spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, truncateSync, writeFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {EnvironmentError, InputError, OperationError} from '../errors.js'
import {silentLogger, type Logger} from '../log.js'
import {packageRoot} from '../paths.js'
import {buildGuestImage} from '../testenv/guest-image.js'
import {LAB_PACKAGES, createLabNamespace, deleteLabNamespace, endProcess, installPackages, missingPackages, namespaceExists, processMatches} from '../testenv/lab-host.js'
import {
  LAB_GATEWAY, LAB_IMAGE_URL, MAX_LAB_NODES, bmcEndpoint, labPaths, planNodes, renderInventory, validateLabName,
  type LabBmcKind, type LabRecord, type LabRuntime,
} from '../testenv/lab-state.js'

/** `bmpctl testenv up|status|down`: a virtual lab of qemu nodes behind virtual BMCs. */

export interface LabUpOptions {
  dataDir: string
  name?: string
  nodes?: number
  uefi?: boolean
  diskSizeGiB?: number
  memoryMiB?: number
  bmc?: LabBmcKind
  log?: Logger
}

export interface LabNodeStatus {
  name: string
  power: 'on' | 'off'
  pid?: number
  mac: string
  bmc: string
  ipv4: string
  consoleLog: string
  disk: string
}

export interface LabStatus {
  name: string
  up: boolean
  namespace: string
  namespaceExists: boolean
  daemonPid?: number
  inventory: string
  passwordFile: string
  /** Private key that logs into deployed guests as root. */
  sshKey: string
  image: LabRecord['image']
  nodes: LabNodeStatus[]
}

function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) throw new EnvironmentError(`bmpctl testenv ${what} needs root (network namespaces, tap devices)`, 'run it with sudo')
}

/** The daemon entry next to this build: the .ts source under tsx, the .js in dist/. */
function daemonCommand(): {entry: string; argv: string[]} {
  const here = fileURLToPath(import.meta.url)
  const ts = here.endsWith('.ts')
  const entry = join(dirname(here), '..', 'testenv', ts ? 'lab-daemon.ts' : 'lab-daemon.js')
  return {entry, argv: ts ? ['--import', 'tsx', entry] : [entry]}
}

/** argv parts that identify this lab's daemon (guards against PID reuse). */
const daemonMarkers = (rec: LabRecord, dataDir: string) => [rec.daemon.entry, labPaths(dataDir, rec.name).state]

function readRecord(dataDir: string, name: string): LabRecord | undefined {
  const p = labPaths(dataDir, name).state
  if (!existsSync(p)) return undefined
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as LabRecord
  } catch (err) {
    throw new InputError(`${p}: not a lab record (${(err as Error).message})`, [], `remove it by hand; it was written by bmpctl testenv up`)
  }
}

function readRuntime(rec: LabRecord): LabRuntime | undefined {
  try { return JSON.parse(readFileSync(rec.runtimeFile, 'utf8')) as LabRuntime } catch { return undefined }
}

function checkUpOptions(o: Required<Omit<LabUpOptions, 'log'>>): void {
  validateLabName(o.name)
  const problems = []
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > MAX_LAB_NODES) problems.push({path: '--nodes', message: `must be 1..${MAX_LAB_NODES}, got ${o.nodes}`})
  if (!(o.diskSizeGiB > 0 && o.diskSizeGiB <= 1024)) problems.push({path: '--disk-size', message: `must be a size in GiB in (0, 1024], got ${o.diskSizeGiB}`})
  if (!Number.isInteger(o.memoryMiB) || o.memoryMiB < 128) problems.push({path: '--memory', message: `must be an integer number of MiB ≥ 128, got ${o.memoryMiB}`})
  if (!['ipmi', 'redfish'].includes(o.bmc)) problems.push({path: '--bmc', message: `must be ipmi or redfish, got ${o.bmc}`})
  if (problems.length) throw new InputError('invalid testenv up options', problems)
}

export async function labUp(opts: LabUpOptions): Promise<LabStatus> {
  const o = {name: 'lab', nodes: 2, uefi: false, diskSizeGiB: 8, memoryMiB: 512, bmc: 'ipmi' as LabBmcKind, ...opts, dataDir: resolve(opts.dataDir)}
  const log = opts.log ?? silentLogger
  checkUpOptions(o)
  requireRoot('up')
  const paths = labPaths(o.dataDir, o.name)
  const ns = `bmp-${o.name}`
  const existing = readRecord(o.dataDir, o.name)
  if (existing && processMatches(existing.daemon.pid, daemonMarkers(existing, o.dataDir))) {
    throw new InputError(`lab ${o.name} is already up (daemon PID ${existing.daemon.pid})`, [], `bmpctl testenv down --name ${o.name} first`)
  }
  if (existing) { log.warn('lab record left from an earlier run; cleaning it up first', {lab: o.name}); await labDown(o.dataDir, o.name, log) }
  if (namespaceExists(ns)) throw new EnvironmentError(`network namespace ${ns} already exists and is not a bmpctl lab of this data dir`, `remove it (ip netns del ${ns}) or pick another --name`)
  installPackages(missingPackages(LAB_PACKAGES), log)

  mkdirSync(paths.nodeDir, {recursive: true})
  // 64 MiB holds the guest's kernel and initramfs; every MiB costs seconds of emulated hashing.
  const image = await buildGuestImage({out: paths.image, sizeMiB: 64, log})
  const operatorKey = ensureOperatorKey(paths.sshKey)
  // 16 characters: IPMI 2.0 passwords are at most 20 bytes.
  writeFileSync(paths.passwordFile, randomBytes(12).toString('base64url') + '\n', {mode: 0o600})
  const daemon = daemonCommand()
  const rec: LabRecord = {
    name: o.name, namespace: ns, bridge: 'br0', gateway: LAB_GATEWAY, createdAt: new Date().toISOString(),
    uefi: o.uefi, memoryMiB: o.memoryMiB, diskSizeGiB: o.diskSizeGiB, bmc: o.bmc, passwordFile: paths.passwordFile,
    daemon: {log: paths.daemonLog, entry: daemon.entry}, runtimeFile: paths.runtime, inventory: paths.inventory,
    image: {path: image.path, url: LAB_IMAGE_URL, sha256: image.sha256},
    nodes: planNodes(o.name, o.nodes, o.bmc, paths.nodeDir),
  }
  writeFileSync(paths.state, JSON.stringify(rec, null, 2) + '\n')
  try {
    createLabNamespace(ns, `${LAB_GATEWAY}/24`, rec.nodes.map((n) => n.tap))
    for (const n of rec.nodes) {
      writeFileSync(n.disk, '')
      truncateSync(n.disk, Math.round(o.diskSizeGiB * 1024) * 1024 * 1024)
      writeFileSync(n.consoleLog, '')
    }
    writeFileSync(paths.inventory, renderInventory(rec, [operatorKey]))
    rec.daemon.pid = await startDaemon(rec, daemon.argv, paths.state, log)
    writeFileSync(paths.state, JSON.stringify(rec, null, 2) + '\n')
  } catch (err) {
    await labDown(o.dataDir, o.name, log).catch(() => undefined)
    throw err
  }
  log.info('lab is up', {lab: o.name, namespace: ns, nodes: o.nodes, inventory: paths.inventory})
  return labStatus(o.dataDir, o.name)
}

async function startDaemon(rec: LabRecord, argv: string[], stateFile: string, log: Logger): Promise<number> {
  const out = openSync(rec.daemon.log, 'a')
  const child = spawn('ip', ['netns', 'exec', rec.namespace, process.execPath, ...argv, stateFile, rec.name], {
    cwd: packageRoot, detached: true, stdio: ['ignore', out, out],
  })
  closeSync(out)
  child.unref()
  const pid = child.pid
  if (!pid) throw new EnvironmentError('could not start the lab daemon')
  let exited = false
  child.once('exit', () => { exited = true })
  const deadline = Date.now() + 30_000
  for (;;) {
    const rt = readRuntime(rec)
    if (rt?.ready && rt.daemonPid === pid) break
    if (exited || Date.now() > deadline) {
      const tail = (() => { try { return readFileSync(rec.daemon.log, 'utf8').slice(-2000) } catch { return '' } })()
      if (!exited) try { process.kill(pid, 'SIGKILL') } catch { /* gone */ }
      throw new OperationError(`lab daemon ${exited ? 'exited' : 'did not get ready within 30 s'}; its log (${rec.daemon.log}) ends:\n${tail}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  log.info('lab daemon started', {pid})
  return pid
}

export function labStatus(dir: string, name = 'lab'): LabStatus {
  validateLabName(name)
  const dataDir = resolve(dir)
  const rec = readRecord(dataDir, name)
  if (!rec) throw new InputError(`no lab named ${name} in ${join(dataDir, 'testenv')}`, [], 'start one with bmpctl testenv up')
  const up = processMatches(rec.daemon.pid, daemonMarkers(rec, dataDir))
  const rt = up ? readRuntime(rec) : undefined
  return {
    name: rec.name, up, namespace: rec.namespace, namespaceExists: namespaceExists(rec.namespace), daemonPid: up ? rec.daemon.pid : undefined,
    inventory: rec.inventory, passwordFile: rec.passwordFile, sshKey: labPaths(dataDir, name).sshKey, image: rec.image,
    nodes: rec.nodes.map((n) => {
      const pid = rt?.vms[n.name]?.pid
      const on = processMatches(pid, ['qemu-system-x86_64', n.vmName])
      return {name: n.name, power: on ? 'on' : 'off', pid: on ? pid : undefined, mac: n.mac,
        bmc: bmcEndpoint(n), ipv4: n.ipv4, consoleLog: n.consoleLog, disk: n.disk}
    }),
  }
}

export interface LabDownResult {
  name: string
  /** What was there to remove: daemon, VMs, namespace, files. */
  stopped: {daemon: boolean; vms: number; namespace: boolean}
  removedFiles: string[]
}

/** Stops the daemon and its VMs, deletes the namespace and the lab's files. Safe to repeat. */
export async function labDown(dir: string, name = 'lab', log: Logger = silentLogger): Promise<LabDownResult> {
  validateLabName(name)
  const dataDir = resolve(dir)
  requireRoot('down')
  const paths = labPaths(dataDir, name)
  const rec = readRecord(dataDir, name)
  const result: LabDownResult = {name, stopped: {daemon: false, vms: 0, namespace: false}, removedFiles: []}
  if (rec?.daemon.pid && processMatches(rec.daemon.pid, daemonMarkers(rec, dataDir))) {
    await endProcess(rec.daemon.pid, daemonMarkers(rec, dataDir))
    result.stopped.daemon = true
  }
  // A daemon killed hard leaves its VMs behind: end them by recorded PID and -name.
  const rt = rec && readRuntime(rec)
  for (const n of rec?.nodes ?? []) {
    const pid = rt?.vms[n.name]?.pid
    if (pid && processMatches(pid, ['qemu-system-x86_64', n.vmName])) {
      await endProcess(pid, ['qemu-system-x86_64', n.vmName], 5000)
      result.stopped.vms++
    }
  }
  result.stopped.namespace = deleteLabNamespace(rec?.namespace ?? `bmp-${name}`)
  for (const f of [paths.state, paths.runtime, paths.inventory, paths.passwordFile, paths.sshKey, `${paths.sshKey}.pub`, paths.daemonLog, paths.nodeDir]) {
    if (existsSync(f)) { rmSync(f, {recursive: true, force: true}); result.removedFiles.push(f) }
  }
  log.info(rec || result.stopped.namespace ? 'lab is down' : 'no such lab; nothing to do', {lab: name})
  return result
}

/** The lab's operator key pair (created once); returns the public key line. */
function ensureOperatorKey(path: string): string {
  if (!existsSync(path)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bmpctl-lab-operator', '-f', path])
  return readFileSync(`${path}.pub`, 'utf8').trim()
}
