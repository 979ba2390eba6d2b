import {test} from 'node:test'
import assert from 'node:assert/strict'
import {createSocket} from 'node:dgram'
import {encodeDhcp} from '../../../src/protocols/dhcp/index.js'
import {silentLogger} from '../../../src/log.js'
import {startDhcpServer} from '../../../src/servers/dhcp/server.js'
import {createMemoryBackend} from '../../../src/servers/dhcp/memory-backend.js'
import {config, discover} from './helpers.js'

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 20))
}

test('server counts malformed and unanswered datagrams, and closes on abort', async () => {
  const controller = new AbortController()
  const port = 20000 + Math.floor(Math.random() * 20000)
  const server = await startDhcpServer({
    config: config(), backend: createMemoryBackend(), log: silentLogger, signal: controller.signal, port, bindAddress: '127.0.0.1',
  })
  const sock = createSocket('udp4')
  const send = (b: Buffer) => new Promise<void>((r) => sock.send(b, port, '127.0.0.1', () => r()))
  await send(Buffer.from('not dhcp at all'))
  await send(encodeDhcp(discover('02:00:00:00:00:77')))
  await until(() => server.stats().received === 2)
  assert.deepEqual(server.stats(), {received: 2, replied: 0, dropped: 1, malformed: 1, sendQueue: 0})
  controller.abort()
  await server.close()
  // the port is free again once closed
  const again = await startDhcpServer({config: config(), backend: createMemoryBackend(), log: silentLogger, port, bindAddress: '127.0.0.1'})
  await again.close()
  sock.close()
})

test('a port that is taken is reported as an environment problem', async () => {
  const blocker = createSocket('udp4')
  await new Promise<void>((r) => blocker.bind(0, '127.0.0.1', () => r()))
  const port = blocker.address().port
  await assert.rejects(
    startDhcpServer({config: config(), backend: createMemoryBackend(), log: silentLogger, port, bindAddress: '127.0.0.1'}),
    (e: Error) => e.name === 'EnvironmentError' && e.message.includes(`127.0.0.1:${port}`),
  )
  blocker.close()
})
