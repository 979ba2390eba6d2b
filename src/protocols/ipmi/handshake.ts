import {randomBytes} from 'node:crypto'
import {Cmd, NetFn, PayloadType, Privilege, rmcpStatusName} from './constants.js'
import {decodeAuthCapsResponse, encodeAuthCapsRequest} from './commands.js'
import {CIPHER_SUITES, type CipherSuite, type RakpContext, type SessionKeys, deriveKeys, rakp2Hmac, rakp3Hmac, rakp4Icv, userKey} from './crypto.js'
import {IpmiError} from './errors.js'
import {decodeResponse, encodeRequest} from './message.js'
import {AUTH_TYPE_NONE, decodeSessionPacket, encodeV15, encodeV20} from './packet.js'
import {decodeOpenSessionResponse, decodeRakp2, decodeRakpShort, encodeOpenSessionRequest, encodeRakp1, encodeRakpShort} from './rakp.js'
import type {ExchangeOptions, UdpTransport} from './transport.js'

/** RMCP+ session establishment: auth caps → open session (17, then 3) → RAKP 1–4. */
export interface Credentials {
  username: string
  password: string
}

export interface Established {
  suite: CipherSuite
  consoleSessionId: number
  bmcSessionId: number
  keys: SessionKeys
  /** Privilege the RAKP exchange granted at most. */
  maxPrivilege: number
}

/** Role byte of RAKP 1: administrator with name-only lookup, so the BMC may grant less. */
const ROLE = Privilege.Administrator | 0x10
/** Open Session / RAKP statuses that mean "try the next cipher suite". */
const NO_SUITE_MATCH = new Set([0x03, 0x04, 0x05, 0x06, 0x07, 0x10, 0x11])

type Opts = Omit<ExchangeOptions, 'what'>

export async function establish(t: UdpTransport, cred: Credentials, suites: number[], opts: Opts): Promise<Established> {
  await checkAuthCaps(t, opts)
  const where = `${t.address}:${t.port}`
  for (const id of suites) {
    const suite = CIPHER_SUITES[id]
    if (!suite) throw new IpmiError('unsupported', `cipher suite ${id} is not supported (use 17 or 3; suite 0 is refused)`)
    const consoleSessionId = randomBytes(4).readUInt32LE() || 1
    const last = id === suites[suites.length - 1]
    // Some BMCs (ipmi_sim) silently drop suites they lack: a live BMC that stays quiet
    // for one try means "not supported", so fall back instead of spending the budget.
    const open = await openSession(t, suite, consoleSessionId, last ? opts : {...opts, retries: 1})
      .catch((err: unknown) => { if (!last && err instanceof IpmiError && err.kind === 'timeout') return 'no-match' as const; throw err })
    if (open === 'no-match') continue
    return rakp(t, cred, suite, consoleSessionId, open, opts)
  }
  throw new IpmiError('unsupported', `BMC ${where} accepts none of cipher suites ${suites.join(', ')} (bmpctl refuses suite 0, which has no authentication)`)
}

async function checkAuthCaps(t: UdpTransport, opts: Opts): Promise<void> {
  const req = encodeRequest({netFn: NetFn.App, cmd: Cmd.GetChannelAuthCaps, rqSeq: 0, data: encodeAuthCapsRequest(Privilege.Administrator)})
  const rsp = await t.exchange(() => encodeV15({authType: AUTH_TYPE_NONE, sequence: 0, sessionId: 0, payload: req}), (buf) => {
    const p = decodeSessionPacket(buf)
    if (p.version !== '1.5' && p.payloadType !== PayloadType.Ipmi) return undefined
    const r = decodeResponse(p.payload)
    return r.cmd === Cmd.GetChannelAuthCaps ? r : undefined
  }, {...opts, what: 'Get Channel Authentication Capabilities'})
  if (rsp.completionCode !== 0) throw new IpmiError('protocol', `Get Channel Authentication Capabilities failed: completion code 0x${rsp.completionCode.toString(16)}`, rsp.completionCode)
  if (!decodeAuthCapsResponse(rsp.data).ipmi20) throw new IpmiError('unsupported', `BMC ${t.address}:${t.port} does not support IPMI v2.0 / RMCP+`)
}

function plain(payloadType: number, payload: Buffer): Buffer {
  return encodeV20({payloadType, encrypted: false, authenticated: false, sessionId: 0, sequence: 0, payload})
}

function accepting<T>(payloadType: number, decode: (b: Buffer) => T): (buf: Buffer) => T | undefined {
  return (buf) => {
    const p = decodeSessionPacket(buf)
    return p.version === '2.0' && p.payloadType === payloadType ? decode(p.payload) : undefined
  }
}

async function openSession(t: UdpTransport, suite: CipherSuite, consoleSessionId: number, opts: Opts): Promise<number | 'no-match'> {
  const tag = randomBytes(1)[0]
  const msg = encodeOpenSessionRequest({tag, privilege: Privilege.Administrator, consoleSessionId, authAlg: suite.authAlg, integrityAlg: suite.integrityAlg, confAlg: suite.confAlg})
  const rsp = await t.exchange(() => plain(PayloadType.OpenSessionRequest, msg),
    accepting(PayloadType.OpenSessionResponse, (b) => { const r = decodeOpenSessionResponse(b); return r.consoleSessionId === consoleSessionId ? r : undefined }),
    {...opts, what: `Open Session (cipher suite ${suite.id})`})
  if (NO_SUITE_MATCH.has(rsp.status)) return 'no-match'
  if (rsp.status !== 0) throw statusError('Open Session', rsp.status)
  if (rsp.authAlg !== suite.authAlg || rsp.integrityAlg !== suite.integrityAlg || rsp.confAlg !== suite.confAlg) {
    // A BMC that silently downgrades (e.g. to suite 0) is refused: no unauthenticated sessions.
    return 'no-match'
  }
  return rsp.bmcSessionId ?? 0
}

function statusError(step: string, status: number): IpmiError {
  const text = `${step} refused: ${rmcpStatusName(status)}`
  if (status === 0x0d || status === 0x0f || status === 0x0e) return new IpmiError('auth', text)
  if (status === 0x09 || status === 0x0a) return new IpmiError('privilege', text)
  if (status === 0x01 || status === 0x0b) return new IpmiError('busy', text)
  return new IpmiError('protocol', text)
}

async function rakp(t: UdpTransport, cred: Credentials, suite: CipherSuite, consoleSessionId: number, bmcSessionId: number, opts: Opts): Promise<Established> {
  const consoleRandom = randomBytes(16)
  const rakp1 = encodeRakp1({tag: 1, bmcSessionId, consoleRandom, role: ROLE, username: cred.username})
  const r2 = await t.exchange(() => plain(PayloadType.Rakp1, rakp1),
    accepting(PayloadType.Rakp2, (b) => { const r = decodeRakp2(b); return r.consoleSessionId === consoleSessionId ? r : undefined }),
    {...opts, what: 'RAKP 1'})
  if (r2.status !== 0) throw statusError(`RAKP 2 for user "${cred.username}"`, r2.status)
  const ctx: RakpContext = {consoleSessionId, bmcSessionId, consoleRandom, bmcRandom: r2.bmcRandom, bmcGuid: r2.bmcGuid, role: ROLE, username: cred.username}
  const kuid = userKey(cred.password)
  if (!rakp2Hmac(suite, kuid, ctx).equals(r2.authCode)) {
    // Tell the BMC (RAKP 3 with status "invalid integrity check value") so it frees the slot.
    await t.send(plain(PayloadType.Rakp3, encodeRakpShort({tag: 2, status: 0x0f, sessionId: bmcSessionId, authCode: Buffer.alloc(0)})))
    throw new IpmiError('auth', `authentication failed for user "${cred.username}" at ${t.address}:${t.port}: RAKP 2 HMAC mismatch (wrong password)`)
  }
  const rakp3 = encodeRakpShort({tag: 2, status: 0, sessionId: bmcSessionId, authCode: rakp3Hmac(suite, kuid, ctx)})
  const r4 = await t.exchange(() => plain(PayloadType.Rakp3, rakp3),
    accepting(PayloadType.Rakp4, (b) => { const r = decodeRakpShort(b, 'RAKP 4'); return r.sessionId === consoleSessionId ? r : undefined }),
    {...opts, what: 'RAKP 3'})
  if (r4.status !== 0) throw statusError(`RAKP 4 for user "${cred.username}"`, r4.status)
  const keys = deriveKeys(suite, kuid, ctx)
  if (!rakp4Icv(suite, keys.sik, ctx).equals(r4.authCode.subarray(0, suite.authCodeLength))) {
    throw new IpmiError('auth', `RAKP 4 integrity check value from ${t.address}:${t.port} does not match`)
  }
  return {suite, consoleSessionId, bmcSessionId, keys, maxPrivilege: Privilege.Administrator}
}
