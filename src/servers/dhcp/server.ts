/**
 * The DHCP server: sockets only. Decoding, policy and replies live in the codec and the
 * handler; every per-packet failure is counted and logged at debug, never fatal.
 */
import {createSocket, type RemoteInfo, type Socket} from 'node:dgram'
import {EnvironmentError} from '../../errors.js'
import type {Logger} from '../../log.js'
import {DhcpDecodeError, MESSAGE_TYPE_NAMES, decodeDhcp, encodeDhcp} from '../../protocols/dhcp/index.js'
import type {DhcpBackend} from './backend.js'
import type {DhcpConfig} from './config.js'
import {handleDhcp} from './handler.js'
import {createDhcpState} from './pool.js'
import {BROADCAST} from './reply.js'

export interface DhcpServerOptions {
  config: DhcpConfig
  backend: DhcpBackend
  log: Logger
  signal?: AbortSignal
  port?: number
  proxyPort?: number
  bindAddress?: string
}

export interface DhcpStats {
  received: number
  replied: number
  dropped: number
  malformed: number
  /** Replies waiting in user space for socket buffer space. */
  sendQueue: number
}

/**
 * Unicast to a host that never answers ARP parks packets in the kernel for seconds; past
 * this many queued replies we drop new ones (clients retry) rather than fall minutes behind.
 */
const MAX_SEND_QUEUE = 256

export interface DhcpServer {
  close(): Promise<void>
  stats(): DhcpStats
}

function bind(port: number, address: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = createSocket({type: 'udp4', reuseAddr: true})
    sock.once('error', reject)
    sock.bind(port, address, () => {
      sock.off('error', reject)
      sock.setBroadcast(true)
      resolve(sock)
    })
  })
}

/** A socket on serverIp lets limited broadcasts leave without a default route. */
async function bindOptional(port: number, address: string, log: Logger): Promise<Socket | undefined> {
  try {
    return await bind(port, address)
  } catch (err) {
    log.debug('dhcp: no socket on the server address; broadcasts follow the routing table', {address, error: String(err)})
    return undefined
  }
}

function safeQueueCount(sock: Socket): number {
  try {
    return sock.getSendQueueCount()
  } catch {
    return 0
  }
}

export async function startDhcpServer(opts: DhcpServerOptions): Promise<DhcpServer> {
  const {config, backend, log} = opts
  const port = opts.port ?? 67
  const proxyPort = opts.proxyPort ?? 4011
  const bindAddress = opts.bindAddress ?? '0.0.0.0'
  const stats: Omit<DhcpStats, 'sendQueue'> = {received: 0, replied: 0, dropped: 0, malformed: 0}
  const state = createDhcpState()
  const sockets: Socket[] = []
  const open = async (p: number, optional = false) => {
    const s = optional ? await bindOptional(p, config.serverIp, log) : await bind(p, bindAddress).catch((err: NodeJS.ErrnoException) => {
      throw new EnvironmentError(`cannot listen on udp ${bindAddress}:${p}: ${err.code ?? err.message}`, 'run as root (or grant CAP_NET_BIND_SERVICE) and stop other DHCP servers on this host')
    })
    if (s) sockets.push(s)
    return s
  }

  try {
    const main = await open(port)
    const own = bindAddress === '0.0.0.0' ? await open(port, true) : undefined
    // Broadcasts leave through the serverIp socket, unicasts (relays, renewals) through the
    // wildcard one, so a stalled unicast destination cannot hold up broadcast replies.
    const broadcaster = own ?? main!
    const unicaster = main!
    const proxy = config.mode === 'proxy' ? await open(proxyPort) : undefined
    const onMessage = (isProxy: boolean) => (msg: Buffer, rinfo: RemoteInfo) => {
      stats.received++
      let packet
      try {
        packet = decodeDhcp(msg)
      } catch (err) {
        if (err instanceof DhcpDecodeError) stats.malformed++
        else stats.dropped++
        log.debug('dhcp: malformed packet', {from: rinfo.address, error: String(err)})
        return
      }
      try {
        const res = handleDhcp(packet, {config, backend, state, via: {address: rinfo.address, port: rinfo.port, proxy: isProxy}})
        if (!res) { stats.dropped++; return }
        const out = encodeDhcp(res.reply)
        const sock = isProxy && proxy ? proxy : res.destination.address === BROADCAST ? broadcaster : unicaster
        if (sock.getSendQueueCount() >= MAX_SEND_QUEUE) {
          stats.dropped++
          log.debug('dhcp: send queue full, reply dropped', {to: res.destination.address})
          return
        }
        sock.send(out, res.destination.port, res.destination.address, (err) => {
          if (err) log.debug('dhcp: send failed', {to: res.destination.address, error: String(err)})
        })
        stats.replied++
        log.debug('dhcp: reply', {type: MESSAGE_TYPE_NAMES[res.reply.options.messageType ?? 0], to: res.destination.address, yiaddr: res.reply.yiaddr, file: res.reply.options.bootfileName})
      } catch (err) {
        stats.dropped++
        log.debug('dhcp: request failed', {from: rinfo.address, error: String(err)})
      }
    }
    for (const s of sockets) {
      s.on('message', onMessage(s === proxy))
      s.on('error', (err) => log.debug('dhcp: socket error', {error: String(err)}))
    }
    log.info('dhcp: listening', {port, proxyPort: proxy ? proxyPort : undefined, mode: config.mode, serverIp: config.serverIp})
  } catch (err) {
    for (const s of sockets) s.close()
    throw err
  }

  let closed: Promise<void> | undefined
  const close = () => closed ??= Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined)
  opts.signal?.addEventListener('abort', () => void close(), {once: true})
  if (opts.signal?.aborted) await close()
  const sendQueue = () => sockets.reduce((n, sock) => n + safeQueueCount(sock), 0)
  return {close, stats: () => ({...stats, sendQueue: sendQueue()})}
}
