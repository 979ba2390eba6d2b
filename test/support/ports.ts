import {createSocket} from 'node:dgram'
import {createServer} from 'node:net'

/** A UDP port on 127.0.0.1 that was free a moment ago (for servers that need a fixed port). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4')
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))
  const {port} = s.address()
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freeTcpPort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))
  const {port} = srv.address() as {port: number}
  await new Promise<void>((r) => srv.close(() => r()))
  return port
}
