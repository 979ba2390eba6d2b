import {randomBytes} from 'node:crypto'
import {createSocket} from 'node:dgram'
import type {Logger} from '../../log.js'
import {silentLogger} from '../../log.js'
import {PayloadType, Privilege, privilegeLevel} from '../../protocols/ipmi/constants.js'
import {CIPHER_SUITES, type RakpContext, deriveKeys, rakp2Hmac, rakp3Hmac, rakp4Icv, suiteByAlgorithms, userKey} from '../../protocols/ipmi/crypto.js'
import {type IpmiRequest, decodeRequest, encodeResponse} from '../../protocols/ipmi/message.js'
import {AUTH_TYPE_NONE, type V20Packet, decodeSessionPacket, encodeV15, encodeV20, peekSessionId} from '../../protocols/ipmi/packet.js'
import {decodeOpenSessionRequest, decodeRakp1, decodeRakpShort, encodeOpenSessionResponse, encodeRakp2, encodeRakpShort} from '../../protocols/ipmi/rakp.js'
import {RmcpClass, decodeAsf, decodeRmcpHeader, encodeAsf} from '../../protocols/ipmi/rmcp.js'
import type {Machine} from '../machine.js'
import {handleCommand, type VbmcContext} from './ipmi-handlers.js'
import {BootOptions, type Peer, type VbmcUser, type VSession} from './ipmi-state.js'
import {SolRelay} from './ipmi-sol.js'

export type {VbmcUser} from './ipmi-state.js'

export interface IpmiVbmcOptions {
  machine: Machine
  port: number
  bindAddress?: string
  users: VbmcUser[]
  /** Suites offered; default [3, 17]. Suite 0 is never accepted. */
  cipherSuites?: number[]
  log?: Logger
  signal?: AbortSignal
  /** Drop every Nth datagram, in or out (simulated packet loss). */
  dropEveryNth?: number
}

export interface IpmiVbmc {
  port: number
  close(): Promise<void>
}

/** Spec session inactivity timeout. */
const IDLE_MS = 60_000

/** A virtual IPMI v2.0 BMC in front of a Machine, for ipmitool and our own client. */
export async function startIpmiVbmc(o: IpmiVbmcOptions): Promise<IpmiVbmc> {
  const log = o.log ?? silentLogger
  const suites = (o.cipherSuites ?? [3, 17]).filter((id) => CIPHER_SUITES[id])
  const socket = createSocket('udp4')
  const sessions = new Map<number, VSession>()
  const sol = new Map<number, SolRelay>()
  const boot = new BootOptions()
  const guid = randomBytes(16)
  let counter = 0
  let boundPort = o.port
  let actions: Promise<void> = Promise.resolve()
  const dropped = () => (o.dropEveryNth ? ++counter % o.dropEveryNth === 0 : false)
  const send = (buf: Buffer, peer: Peer) => { if (!dropped()) socket.send(buf, peer.port, peer.address) }

  const sendInSession = (s: VSession, payloadType: number, payload: Buffer, secure: boolean) => {
    s.seqOut = (s.seqOut + 1) >>> 0 || 1
    const crypto = s.keys ? {suite: s.suite, keys: s.keys} : undefined
    send(encodeV20({payloadType, encrypted: secure, authenticated: secure, sessionId: s.consoleSessionId, sequence: s.seqOut, payload}, crypto), s.peer)
  }

  const deactivateSol = (s: VSession) => {
    sol.get(s.bmcSessionId)?.stop()
    sol.delete(s.bmcSessionId)
    s.solActive = false
  }
  const closeSession = (id: number): boolean => {
    const s = sessions.get(id)
    if (!s) return false
    deactivateSol(s)
    sessions.delete(id)
    return true
  }
  const reap = () => { for (const [id, s] of sessions) if (Date.now() - s.lastSeen > IDLE_MS) closeSession(id) }

  const context = (session?: VSession): VbmcContext => ({
    machine: o.machine, boot, cipherSuites: suites, port: boundPort, session, closeSession,
    deactivateSol,
    activateSol: (s) => {
      if (sol.size > 0) return 0x80
      const c = o.machine.console
      if (!c) return 0x81
      s.solActive = true
      sol.set(s.bmcSessionId, new SolRelay(c, (p) => sendInSession(s, PayloadType.Sol, p, true)))
      return 0
    },
    act: (fn) => {
      const run = actions.then(fn)
      actions = run.catch((err: Error) => log.warn('vbmc machine action failed', {machine: o.machine.name, error: err.message}))
      return Promise.race([run, new Promise<void>((r) => setTimeout(r, 500))])
    },
  })

  const onPreSession = async (payload: Buffer, peer: Peer) => {
    const req = decodeRequest(payload)
    const rsp = await handleCommand(req, context())
    send(encodeV15({authType: AUTH_TYPE_NONE, sequence: 0, sessionId: 0, payload: encodeResponse(rsp)}), peer)
  }

  const onOpenSession = (payload: Buffer, peer: Peer) => {
    reap()
    const r = decodeOpenSessionRequest(payload)
    const suite = suiteByAlgorithms(r.authAlg, r.integrityAlg, r.confAlg)
    const reply = (status: number, extra = {}) =>
      send(encodeV20({payloadType: PayloadType.OpenSessionResponse, encrypted: false, authenticated: false, sessionId: 0, sequence: 0,
        payload: encodeOpenSessionResponse({tag: r.tag, status, privilege: r.privilege, consoleSessionId: r.consoleSessionId, ...extra})}), peer)
    if (!suite || !suites.includes(suite.id)) return reply(0x11)
    const existing = [...sessions.values()].find((s) => s.consoleSessionId === r.consoleSessionId && s.peer.port === peer.port && !s.keys)
    const bmcSessionId = existing?.bmcSessionId ?? (randomBytes(4).readUInt32LE() || 1)
    sessions.set(bmcSessionId, existing ?? {
      bmcSessionId, consoleSessionId: r.consoleSessionId, suite, peer, maxPrivilege: r.privilege || Privilege.Administrator,
      privilege: Privilege.User, seqOut: 0, lastSeen: Date.now(), recent: new Map(), solActive: false,
    })
    reply(0, {bmcSessionId, authAlg: suite.authAlg, integrityAlg: suite.integrityAlg, confAlg: suite.confAlg, privilege: r.privilege || Privilege.Administrator})
  }

  const plainReply = (peer: Peer, payloadType: number, payload: Buffer) =>
    send(encodeV20({payloadType, encrypted: false, authenticated: false, sessionId: 0, sequence: 0, payload}), peer)

  const onRakp1 = (payload: Buffer, peer: Peer) => {
    const r = decodeRakp1(payload)
    const s = sessions.get(r.bmcSessionId)
    if (!s || s.keys) return plainReply(peer, PayloadType.Rakp2, encodeRakp2({tag: r.tag, status: 0x02, consoleSessionId: 0, bmcRandom: Buffer.alloc(0), bmcGuid: Buffer.alloc(0), authCode: Buffer.alloc(0)}))
    const fail = (status: number) => { sessions.delete(s.bmcSessionId); plainReply(peer, PayloadType.Rakp2, encodeRakp2({tag: r.tag, status, consoleSessionId: s.consoleSessionId, bmcRandom: Buffer.alloc(0), bmcGuid: Buffer.alloc(0), authCode: Buffer.alloc(0)})) }
    const user = o.users.find((u) => u.name === r.username)
    if (!user) return fail(0x0d)
    const requested = r.role & 0x0f
    const userMax = privilegeLevel(user.privilege)
    // Username+privilege lookup must match exactly-or-below; name-only lookup grants at most the user's limit.
    if (!(r.role & 0x10) && requested > userMax) return fail(0x0a)
    s.user = user
    s.maxPrivilege = Math.min(requested || userMax, userMax, s.maxPrivilege)
    s.ctx = {consoleSessionId: s.consoleSessionId, bmcSessionId: s.bmcSessionId, consoleRandom: r.consoleRandom, bmcRandom: s.ctx?.bmcRandom ?? randomBytes(16), bmcGuid: guid, role: r.role, username: r.username}
    plainReply(peer, PayloadType.Rakp2, encodeRakp2({tag: r.tag, status: 0, consoleSessionId: s.consoleSessionId, bmcRandom: s.ctx.bmcRandom, bmcGuid: guid, authCode: rakp2Hmac(s.suite, userKey(user.password), s.ctx)}))
  }

  const onRakp3 = (payload: Buffer, peer: Peer) => {
    const r = decodeRakpShort(payload, 'RAKP 3')
    const s = sessions.get(r.sessionId)
    if (!s?.ctx || !s.user) return
    if (r.status !== 0) { sessions.delete(s.bmcSessionId); return }
    const ctx: RakpContext = s.ctx
    const kuid = userKey(s.user.password)
    if (!rakp3Hmac(s.suite, kuid, ctx).equals(r.authCode)) {
      sessions.delete(s.bmcSessionId)
      log.info('vbmc authentication failed', {user: s.user.name})
      return plainReply(peer, PayloadType.Rakp4, encodeRakpShort({tag: r.tag, status: 0x0f, sessionId: s.consoleSessionId, authCode: Buffer.alloc(0)}))
    }
    s.keys ??= deriveKeys(s.suite, kuid, ctx)
    s.lastSeen = Date.now()
    plainReply(peer, PayloadType.Rakp4, encodeRakpShort({tag: r.tag, status: 0, sessionId: s.consoleSessionId, authCode: rakp4Icv(s.suite, s.keys.sik, ctx)}))
  }

  const onSessionPacket = async (p: V20Packet, s: VSession) => {
    s.lastSeen = Date.now()
    if (p.payloadType === PayloadType.Sol) return sol.get(s.bmcSessionId)?.receive(p.payload)
    if (p.payloadType !== PayloadType.Ipmi) return
    const req: IpmiRequest = decodeRequest(p.payload)
    const key = `${req.rqSeq}:${req.netFn}:${req.cmd}`
    const prior = s.recent.get(key)
    // A retransmit carries a later session sequence but the same rqSeq: answer it from memory.
    if (prior && p.sequence > prior.sessionSeq && p.sequence - prior.sessionSeq <= 8 && Date.now() - prior.at < 5000) {
      return sendInSession(s, PayloadType.Ipmi, prior.response, p.encrypted)
    }
    const rsp = encodeResponse(await handleCommand(req, context(s)))
    s.recent.set(key, {sessionSeq: p.sequence, response: rsp, at: Date.now()})
    if (s.recent.size > 64) s.recent.delete(s.recent.keys().next().value as string)
    sendInSession(s, PayloadType.Ipmi, rsp, p.encrypted)
  }

  const onDatagram = async (buf: Buffer, peer: Peer) => {
    if (dropped()) return
    const rmcp = decodeRmcpHeader(buf)
    if (rmcp.cls === RmcpClass.Asf) {
      const m = decodeAsf(buf)
      if (m.type === 'ping') send(encodeAsf({type: 'pong', tag: m.tag}), peer)
      return
    }
    const sid = peekSessionId(buf)
    const s = sid ? sessions.get(sid) : undefined
    const p = decodeSessionPacket(buf, () => (s?.keys ? {suite: s.suite, keys: s.keys} : undefined))
    if (p.version === '1.5') return onPreSession(p.payload, peer)
    if (p.sessionId === 0) {
      if (p.payloadType === PayloadType.OpenSessionRequest) return onOpenSession(p.payload, peer)
      if (p.payloadType === PayloadType.Rakp1) return onRakp1(p.payload, peer)
      if (p.payloadType === PayloadType.Rakp3) return onRakp3(p.payload, peer)
      return
    }
    // Active sessions only accept authenticated packets: the suites we offer all have integrity.
    if (s?.keys && p.authenticated) {
      s.peer = peer
      await onSessionPacket(p, s)
    }
  }

  socket.on('message', (buf, rinfo) => {
    onDatagram(buf, {address: rinfo.address, port: rinfo.port}).catch((err: Error) => log.debug('vbmc datagram ignored', {reason: err.message}))
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(o.port, o.bindAddress ?? '127.0.0.1', () => { socket.off('error', reject); resolve() })
  })
  const port = socket.address().port
  boundPort = port
  log.debug('ipmi vbmc listening', {machine: o.machine.name, port, cipherSuites: suites})
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    for (const r of sol.values()) r.stop()
    await new Promise<void>((r) => socket.close(() => r()))
  }
  o.signal?.addEventListener('abort', () => { void close() }, {once: true})
  return {port, close}
}
