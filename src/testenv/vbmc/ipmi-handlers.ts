import {Cmd, NetFn, Privilege, privilegeLevel} from '../../protocols/ipmi/constants.js'
import {CC_INSUFFICIENT_PRIVILEGE, CC_INVALID_COMMAND, CC_INVALID_DATA, CC_OK, CC_PARAM_NOT_SUPPORTED} from '../../protocols/ipmi/completion.js'
import {
  BootParam, decodeBootFlags, encodeActivatePayloadResponse, encodeAuthCapsResponse, encodeChassisStatus,
  encodeCipherSuiteRecords, encodeDeviceId, encodeGetBootOptionResponse,
} from '../../protocols/ipmi/commands.js'
import {CIPHER_SUITES} from '../../protocols/ipmi/crypto.js'
import {type IpmiRequest, type IpmiResponse, responseTo} from '../../protocols/ipmi/message.js'
import type {Machine} from '../machine.js'
import type {BootOptions, VSession} from './ipmi-state.js'

/** Command handlers of the IPMI virtual BMC: one small function per netFn/cmd. */
export interface VbmcContext {
  machine: Machine
  boot: BootOptions
  cipherSuites: number[]
  port: number
  session?: VSession
  closeSession(bmcSessionId: number): boolean
  activateSol(session: VSession): number
  deactivateSol(session: VSession): void
  /** Serializes machine actions and bounds how long a reply waits for them. */
  act(fn: () => Promise<void>): Promise<void>
}

type Handler = (req: IpmiRequest, ctx: VbmcContext) => Promise<[number, Buffer?]> | [number, Buffer?]

/** Minimum privilege per command; anything unlisted needs User. */
const NEEDS: Record<string, number> = {
  [`${NetFn.Chassis}:${Cmd.ChassisControl}`]: Privilege.Operator,
  [`${NetFn.Chassis}:${Cmd.SetBootOptions}`]: Privilege.Operator,
}

/** Manufacturer 0 (unassigned): a virtual BMC claims no vendor. */
const HANDLERS: Record<string, Handler> = {
  [`${NetFn.App}:${Cmd.GetDeviceId}`]: () => [CC_OK, encodeDeviceId({deviceId: 0x20, deviceRevision: 1, firmwareMajor: 1, firmwareMinor: 2, ipmiVersion: '2.0', manufacturerId: 0, productId: 0x0bcd})],
  [`${NetFn.App}:${Cmd.GetChannelAuthCaps}`]: () => [CC_OK, encodeAuthCapsResponse({channel: 1, ipmi20: true, authTypes: 0, loginStatus: 0x04})],
  [`${NetFn.App}:${Cmd.GetChannelCipherSuites}`]: cipherSuites,
  [`${NetFn.App}:${Cmd.SetSessionPrivilege}`]: setPrivilege,
  [`${NetFn.App}:${Cmd.CloseSession}`]: (req, ctx) => {
    if (req.data.length < 4) return [0xc7]
    return [ctx.closeSession(req.data.readUInt32LE(0)) ? CC_OK : 0x87]
  },
  [`${NetFn.App}:${Cmd.GetChannelInfo}`]: () => [CC_OK, Buffer.from([0x01, 0x04, 0x01, 0x80, 0xf2, 0x1b, 0x00, 0x00, 0x00])],
  [`${NetFn.App}:${Cmd.GetChannelAccess}`]: () => [CC_OK, Buffer.from([0x22, 0x04])],
  [`${NetFn.App}:${Cmd.GetUserAccess}`]: () => [CC_OK, Buffer.from([0x0a, 0x01, 0x01, 0x74])],
  [`${NetFn.App}:${Cmd.ActivatePayload}`]: activatePayload,
  [`${NetFn.App}:${Cmd.DeactivatePayload}`]: (req, ctx) => {
    if (!ctx.session?.solActive) return [0x80]
    ctx.deactivateSol(ctx.session)
    return [CC_OK]
  },
  [`${NetFn.Chassis}:${Cmd.ChassisStatus}`]: async (_req, ctx) => [CC_OK, encodeChassisStatus((await ctx.machine.powerState()) === 'on')],
  [`${NetFn.Chassis}:${Cmd.ChassisControl}`]: chassisControl,
  [`${NetFn.Chassis}:${Cmd.SetBootOptions}`]: setBootOption,
  [`${NetFn.Chassis}:${Cmd.GetBootOptions}`]: getBootOption,
}

export async function handleCommand(req: IpmiRequest, ctx: VbmcContext): Promise<IpmiResponse> {
  const key = `${req.netFn}:${req.cmd}`
  const handler = HANDLERS[key]
  if (!handler) return responseTo(req, CC_INVALID_COMMAND)
  if (ctx.session && ctx.session.privilege < (NEEDS[key] ?? Privilege.User)) return responseTo(req, CC_INSUFFICIENT_PRIVILEGE)
  try {
    const [cc, data] = await handler(req, ctx)
    return responseTo(req, cc, data ?? Buffer.alloc(0))
  } catch {
    return responseTo(req, 0xff)
  }
}

function cipherSuites(req: IpmiRequest, ctx: VbmcContext): [number, Buffer] {
  const index = (req.data[2] ?? 0) & 0x3f
  const all = encodeCipherSuiteRecords(ctx.cipherSuites.map((id) => CIPHER_SUITES[id]).filter(Boolean))
  return [CC_OK, Buffer.concat([Buffer.from([0x01]), all.subarray(index * 16, index * 16 + 16)])]
}

function setPrivilege(req: IpmiRequest, ctx: VbmcContext): [number, Buffer?] {
  const s = ctx.session
  if (!s) return [0xd5]
  const want = (req.data[0] ?? 0) & 0x0f
  if (want === 0) return [CC_OK, Buffer.from([s.privilege])]
  if (want > Privilege.Administrator || want < Privilege.User) return [CC_INVALID_DATA]
  const userMax = s.user ? privilegeLevel(s.user.privilege) : Privilege.User
  if (want > Math.min(s.maxPrivilege, userMax)) return [0x81]
  s.privilege = want
  return [CC_OK, Buffer.from([want])]
}

async function chassisControl(req: IpmiRequest, ctx: VbmcContext): Promise<[number]> {
  const {machine, boot} = ctx
  const action = req.data[0]
  if (action === undefined) return [0xc7]
  const on = (await machine.powerState()) === 'on'
  const start = async (fn: () => Promise<void>) => { await fn(); boot.clearOneTime() }
  switch (action & 0x0f) {
    case 0: await ctx.act(() => machine.powerOff(true)); return [CC_OK]
    case 5: await ctx.act(() => machine.powerOff(false)); return [CC_OK]
    case 1: await ctx.act(() => start(() => machine.powerOn(boot.setting()))); return [CC_OK]
    // Cycle or reset while off: power on (what most BMCs do; the spec leaves it open).
    case 2: await ctx.act(() => start(async () => { if (on) await machine.powerOff(true); await machine.powerOn(boot.setting()) })); return [CC_OK]
    case 3: await ctx.act(() => start(() => (on ? machine.reset(boot.setting()) : machine.powerOn(boot.setting())))); return [CC_OK]
    default: return [CC_INVALID_DATA]
  }
}

function setBootOption(req: IpmiRequest, ctx: VbmcContext): [number] {
  const param = (req.data[0] ?? 0xff) & 0x7f
  const d = req.data.subarray(1)
  const b = ctx.boot
  if (param === BootParam.SetInProgress && d.length >= 1) b.setInProgress = d[0] & 0x03
  else if (param === BootParam.ValidBitClearing && d.length >= 1) b.clearing = d[0] & 0x1f
  else if (param === BootParam.InfoAck && d.length >= 2) b.infoAck = Buffer.from([d[0], d[1]])
  else if (param === BootParam.BootFlags && d.length >= 5) {
    const f = decodeBootFlags(d)
    b.set(f.valid, f.persistent, f.efi, f.device, d.subarray(0, 5))
  } else if ([0, 3, 4, 5].includes(param)) return [0xc7]
  else return [CC_PARAM_NOT_SUPPORTED]
  return [CC_OK]
}

function getBootOption(req: IpmiRequest, ctx: VbmcContext): [number, Buffer?] {
  const param = (req.data[0] ?? 0xff) & 0x7f
  const b = ctx.boot
  const data: Record<number, () => Buffer> = {
    [BootParam.SetInProgress]: () => Buffer.from([b.setInProgress]),
    [BootParam.ValidBitClearing]: () => Buffer.from([b.clearing]),
    [BootParam.InfoAck]: () => b.infoAck,
    [BootParam.BootFlags]: () => b.current(),
  }
  const get = data[param]
  return get ? [CC_OK, encodeGetBootOptionResponse(param, get())] : [CC_PARAM_NOT_SUPPORTED]
}

function activatePayload(req: IpmiRequest, ctx: VbmcContext): [number, Buffer?] {
  const s = ctx.session
  if (!s || req.data[0] !== 0x01) return [CC_INVALID_DATA]
  if (!ctx.machine.console) return [0x81]
  const cc = ctx.activateSol(s)
  if (cc !== CC_OK) return [cc]
  return [CC_OK, encodeActivatePayloadResponse({inboundSize: 0xff, outboundSize: 0xff, port: ctx.port, vlan: 0xffff})]
}
