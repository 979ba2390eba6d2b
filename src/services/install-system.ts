/** The machine as `install` sees it, behind one interface so preflight can be tested with a fake. */
import {execFile, execFileSync} from 'node:child_process'
import {createSocket} from 'node:dgram'
import {readFileSync, readdirSync} from 'node:fs'
import {createServer} from 'node:net'
import {networkInterfaces} from 'node:os'
import {createInterface} from 'node:readline/promises'
import {promisify} from 'node:util'
import {probeForeignDhcp, type DhcpProbeOptions, type DhcpProbeResult} from './install-dhcp-probe.js'

const run = promisify(execFile)

export type PortState = 'free' | 'in-use' | 'denied'

export interface InstallSystem {
  /** Every network interface name (up or down, with or without addresses). */
  interfaces(): string[]
  /** IPv4 addresses on an interface, as `a.b.c.d/nn`. */
  addresses(ifname: string): string[]
  isRoot(): boolean
  /** Which of these Debian packages are not installed; undefined when dpkg is absent. */
  missingPackages(pkgs: string[]): Promise<string[] | undefined>
  portState(proto: 'udp' | 'tcp', port: number): Promise<PortState>
  /** systemd runs the machine (PID 1), so units can be enabled. */
  systemdIsInit(): boolean
  unitActive(unit: string): Promise<boolean>
  isTty(): boolean
  ask(question: string): Promise<boolean>
  exec(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<void>
  probeDhcp(opts: DhcpProbeOptions): Promise<DhcpProbeResult>
}

function bindState(bind: (done: (err?: NodeJS.ErrnoException) => void) => void): Promise<PortState> {
  return new Promise((resolve) => bind((err) => resolve(!err ? 'free' : err.code === 'EACCES' ? 'denied' : 'in-use')))
}

/**
 * IPv4 addresses of an interface. iproute2 first: Node's networkInterfaces() leaves out
 * interfaces without carrier, such as a bridge whose nodes are all powered off.
 */
function interfaceAddresses(ifname: string): string[] {
  try {
    const out = execFileSync('ip', ['-j', '-4', 'addr', 'show', 'dev', ifname], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']})
    const links = JSON.parse(out) as {addr_info?: {local: string; prefixlen: number}[]}[]
    return links.flatMap((l) => (l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`))
  } catch {
    return (networkInterfaces()[ifname] ?? []).filter((a) => a.family === 'IPv4').map((a) => a.cidr ?? `${a.address}/32`)
  }
}

export const realSystem: InstallSystem = {
  interfaces: () => readdirSync('/sys/class/net').sort(),
  addresses: interfaceAddresses,
  isRoot: () => process.getuid?.() === 0,
  async missingPackages(pkgs) {
    const missing: string[] = []
    for (const p of pkgs) {
      try {
        const {stdout} = await run('dpkg-query', ['-W', '-f=${Status}', p])
        if (!/install ok installed/.test(stdout)) missing.push(p)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        missing.push(p)
      }
    }
    return missing
  },
  portState(proto, port) {
    if (proto === 'udp') {
      return bindState((done) => {
        const s = createSocket({type: 'udp4', reuseAddr: false})
        s.once('error', (err) => { s.close(); done(err) })
        s.bind(port, '0.0.0.0', () => s.close(() => done()))
      })
    }
    return bindState((done) => {
      const s = createServer()
      s.once('error', (err) => done(err))
      s.listen(port, '0.0.0.0', () => s.close(() => done()))
    })
  },
  systemdIsInit() {
    try {
      return readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd'
    } catch {
      return false
    }
  },
  async unitActive(unit) {
    try {
      await run('systemctl', ['is-active', '--quiet', unit])
      return true
    } catch {
      return false
    }
  },
  isTty: () => Boolean(process.stdin.isTTY && process.stderr.isTTY),
  async ask(question) {
    const rl = createInterface({input: process.stdin, output: process.stderr})
    try {
      return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim())
    } finally {
      rl.close()
    }
  },
  async exec(cmd, args, env) {
    try {
      await run(cmd, args, {env: {...process.env, ...env}, maxBuffer: 64 * 1024 * 1024})
    } catch (err) {
      const e = err as {stderr?: string; message: string}
      throw new Error(`${cmd} ${args.join(' ')} failed: ${(e.stderr || e.message).trim().split('\n').slice(-5).join('\n')}`)
    }
  },
  probeDhcp: probeForeignDhcp,
}
