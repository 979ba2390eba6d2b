/** PXE/iPXE readings of a decoded request (RFC 4578, PXE 2.1, iPXE's option 175). */
import {Opt} from './options.js'
import type {DhcpPacket} from './packet.js'
import {decodeSubOptions, encodeSubOptions} from './values.js'

/** Client architecture types (option 93, IANA registry). */
export const ClientArch = {
  BiosX86: 0,
  EfiIa32: 6,
  EfiX64: 7,
  EfiBc: 9,
  EfiArm32: 10,
  EfiArm64: 11,
  EfiX64Http: 16,
} as const

/** PXE vendor sub-option 6, bit 3: use the boot file in this offer, no discovery. */
export const PXE_DISCOVERY_CONTROL = 6
export const PXE_BOOT_FILE_IN_OFFER = 0x08

export function isPxeClient(p: DhcpPacket): boolean {
  return p.options.vendorClass?.startsWith('PXEClient') ?? false
}

export function isHttpClient(p: DhcpPacket): boolean {
  return p.options.vendorClass?.startsWith('HTTPClient') ?? false
}

/** First architecture in option 93, or undefined when the client sent none. */
export function clientArch(p: DhcpPacket): number | undefined {
  return p.options.clientArch?.[0]
}

/** iPXE says who it is in option 77 (`iPXE`) and always sends option 175. */
export function isIpxe(p: DhcpPacket): boolean {
  if (p.options.ipxe) return true
  return p.options.userClass?.includes('iPXE') ?? false
}

/** Option 43 as PXE sub-options, or undefined when it is absent or not TLV-shaped. */
export function pxeVendorOptions(p: DhcpPacket): Map<number, Buffer> | undefined {
  if (!p.options.vendorSpecific) return undefined
  try {
    return decodeSubOptions(p.options.vendorSpecific, `option ${Opt.VendorSpecific}`)
  } catch {
    return undefined
  }
}

/** Option 43 telling a PXE ROM to boot the file in the offer without a menu. */
export function pxeBootFileInOffer(): Buffer {
  return encodeSubOptions(new Map([[PXE_DISCOVERY_CONTROL, Buffer.from([PXE_BOOT_FILE_IN_OFFER])]]), true)
}
