/**
 * A DHCP lab: a server namespace with a bridge at 192.0.2.1/24, client namespaces hung off
 * it by veth pairs, and our server (or a peer server) running inside the server namespace.
 */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import type {ChildProcess} from 'node:child_process'
import {createNamespace, deleteNamespace, link, nsExec, nsSpawn, stop, uniqueName, waitForOutput} from './netns.js'
import type {FixtureSpec} from './dhcp-server-fixture.js'

export const SERVER_IP = '192.0.2.1'

type Stats = {received: number; replied: number; dropped: number; malformed: number; sendQueue: number}
const FIXTURE = fileURLToPath(new URL('./dhcp-server-fixture.ts', import.meta.url))

export interface LabClient {
  ns: string
  ifname: string
}

export class DhcpLab {
  readonly serverNs: string
  private clients: string[] = []
  private ports = 0

  constructor() {
    this.serverNs = createNamespace('dsrv')
    nsExec(this.serverNs, ['ip', 'link', 'add', 'br0', 'type', 'bridge'])
    nsExec(this.serverNs, ['ip', 'addr', 'add', `${SERVER_IP}/24`, 'dev', 'br0'])
    nsExec(this.serverNs, ['ip', 'link', 'set', 'br0', 'up'])
  }

  /** A new namespace on the lab bridge; `cidr` '' leaves its interface unconfigured. */
  addClient(cidr = '', prefix = 'dcli'): LabClient {
    const ns = createNamespace(prefix)
    const port = `p${this.ports++}`
    link({ns: this.serverNs, ifname: port, cidr: ''}, {ns, ifname: 'eth0', cidr})
    nsExec(this.serverNs, ['ip', 'link', 'set', port, 'master', 'br0'])
    this.clients.push(ns)
    return {ns, ifname: 'eth0'}
  }

  /** Starts our server from a spec; resolves once it listens. */
  async startServer(spec: FixtureSpec, dir: string): Promise<Fixture> {
    const file = join(dir, `${uniqueName('spec')}.json`)
    writeFileSync(file, JSON.stringify(spec))
    const child = nsSpawn(this.serverNs, [process.execPath, '--import', 'tsx', FIXTURE, file], {cwd: process.cwd()})
    const fixture = new Fixture(child)
    await waitForOutput(child, /READY/, 30000)
    return fixture
  }

  destroy(): void {
    for (const ns of this.clients) deleteNamespace(ns)
    deleteNamespace(this.serverNs)
  }
}

/** Our server process: collects its EVENT / LEASE / DISCOVERED / STATS lines. */
export class Fixture {
  readonly lines: string[] = []
  private buf = ''
  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => {
      this.buf += d.toString()
      const parts = this.buf.split('\n')
      this.buf = parts.pop()!
      this.lines.push(...parts)
    })
  }

  records<T = Record<string, unknown>>(tag: string): T[] {
    return this.lines.filter((l) => l.startsWith(tag + ' ')).map((l) => JSON.parse(l.slice(tag.length + 1)) as T)
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** Asks for a STATS line and returns it. */
  async stats(): Promise<Stats> {
    const before = this.records('STATS').length
    // ip netns exec execs the fixture, so the child's pid is the server's.
    process.kill(this.child.pid!, 'SIGUSR1')
    for (let i = 0; i < 100 && this.records('STATS').length === before; i++) await new Promise((r) => setTimeout(r, 50))
    return this.records<Stats>('STATS').at(-1)!
  }

  async stop(): Promise<void> {
    await stop(this.child)
  }
}
