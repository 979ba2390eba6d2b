import type {BootDeviceSetting} from '../../bmc/types.js'
import type {BootFlagsDevice} from '../../protocols/ipmi/commands.js'
import type {CipherSuite, RakpContext, SessionKeys} from '../../protocols/ipmi/crypto.js'

/** Shared state of the IPMI virtual BMC: users, sessions, boot options. */
export interface VbmcUser {
  name: string
  password: string
  privilege: 'administrator' | 'operator' | 'user'
}

export interface Peer {
  address: string
  port: number
}

export interface VSession {
  bmcSessionId: number
  consoleSessionId: number
  suite: CipherSuite
  peer: Peer
  user?: VbmcUser
  /** RAKP context once RAKP 1 arrived. */
  ctx?: RakpContext
  /** Present once RAKP 3 checked out: the session is active. */
  keys?: SessionKeys
  /** Highest privilege the RAKP exchange granted. */
  maxPrivilege: number
  /** Current privilege; sessions start at User (IPMI 2.0 §6.12.4). */
  privilege: number
  seqOut: number
  lastSeen: number
  /** Recent responses by rqSeq:netFn:cmd, so a retransmitted request is not executed twice. */
  recent: Map<string, {sessionSeq: number; response: Buffer; at: number}>
  solActive: boolean
}

/** Boot options as the BMC keeps them (parameters 3, 4, 5 of Set System Boot Options). */
export class BootOptions {
  valid = false
  persistent = false
  efi = false
  device: BootFlagsDevice = 'none'
  /** Raw 5 bytes last written to parameter 5 (returned verbatim, as BMCs do). */
  raw: Buffer = Buffer.alloc(5)
  /** Parameter 3 data byte; bit 3 keeps the flags past the 60 s window. */
  clearing = 0
  infoAck = Buffer.from([0, 0])
  setInProgress = 0
  private setAt = 0

  set(valid: boolean, persistent: boolean, efi: boolean, device: BootFlagsDevice, raw: Buffer): void {
    Object.assign(this, {valid, persistent, efi, device, raw: Buffer.from(raw), setAt: Date.now()})
  }

  /** Apply the 60 s auto-clear the spec mandates unless parameter 3 bit 3 is set. */
  private expire(): void {
    if (this.valid && !(this.clearing & 0x08) && Date.now() - this.setAt > 60_000) this.clearOneTime(true)
  }

  current(): Buffer {
    this.expire()
    const b = Buffer.from(this.raw)
    b[0] = (b[0] & 0x7f) | (this.valid ? 0x80 : 0)
    return b
  }

  /** What the machine boots from now. */
  setting(): BootDeviceSetting {
    this.expire()
    return {device: this.valid ? this.device : 'none', persistent: this.persistent, uefi: this.efi}
  }

  /** After a power-on or reset a one-time override is spent; persistent and EFI bits stay. */
  clearOneTime(force = false): void {
    if (this.valid && (force || !this.persistent)) this.valid = false
  }
}
