/**
 * Runs our DHCP server as a child process (inside a test namespace) from a JSON spec file:
 *   node --import tsx test/support/dhcp-server-fixture.ts spec.json
 * spec: {config: DhcpConfigInput, reservations?, leaseFile?, port?, proxyPort?, quiet?}
 * Prints `READY`, then `EVENT {...}` / `LEASE {...}` lines (unless quiet), and
 * `STATS {...}` on SIGUSR1 and at exit.
 */
import {readFileSync} from 'node:fs'
import {createLogger} from '../../src/log.js'
import {parseDhcpConfig, type DhcpConfigInput} from '../../src/servers/dhcp/config.js'
import {createMemoryBackend} from '../../src/servers/dhcp/memory-backend.js'
import {startDhcpServer} from '../../src/servers/dhcp/server.js'
import type {DhcpReservation} from '../../src/servers/dhcp/backend.js'

export interface FixtureSpec {
  config: DhcpConfigInput
  reservations?: Record<string, DhcpReservation>
  leaseFile?: string
  port?: number
  proxyPort?: number
  quiet?: boolean
}

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8')) as FixtureSpec
const say = (line: string) => process.stdout.write(line + '\n')
const backend = createMemoryBackend({
  reservations: spec.reservations,
  leaseFile: spec.leaseFile,
  maxEvents: 100,
  onEvent: spec.quiet ? undefined : (e) => say('EVENT ' + JSON.stringify(e)),
})
if (!spec.quiet) {
  const put = backend.putLease.bind(backend)
  backend.putLease = (l) => { put(l); say('LEASE ' + JSON.stringify(l)) }
  const disc = backend.discovered.bind(backend)
  backend.discovered = (mac, info) => { disc(mac, info); say('DISCOVERED ' + JSON.stringify({mac, ...info})) }
}
const controller = new AbortController()
const server = await startDhcpServer({
  config: parseDhcpConfig(spec.config, process.argv[2]),
  backend,
  log: createLogger({level: 'warn'}),
  signal: controller.signal,
  port: spec.port,
  proxyPort: spec.proxyPort,
})
const stats = () => say('STATS ' + JSON.stringify(server.stats()))
process.on('SIGUSR1', stats)
process.on('SIGTERM', () => {
  stats()
  controller.abort()
  backend.close()
  void server.close().then(() => process.exit(0))
})
say('READY')
