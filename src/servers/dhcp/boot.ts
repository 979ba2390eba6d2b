/** Which boot file a client gets, from its architecture (option 93) and whether it is iPXE. */
import {ClientArch, clientArch, isHttpClient, isIpxe, isPxeClient, type DhcpPacket} from '../../protocols/dhcp/index.js'
import type {DhcpConfig} from './config.js'

export interface BootChoice {
  /** Boot file name (TFTP) or URL (iPXE / HTTP boot); undefined when we have none for this arch. */
  file?: string
  /** Option 60 to send back: `PXEClient` or `HTTPClient`. */
  vendorClass?: 'PXEClient' | 'HTTPClient'
  arch?: number
  ipxe: boolean
  /** Whether the file is fetched over TFTP from next-server. */
  tftp: boolean
}

function loaderFor(arch: number | undefined, config: DhcpConfig): string | undefined {
  const files = config.bootFiles
  switch (arch) {
    case undefined:
    case ClientArch.BiosX86: return files.bios
    case ClientArch.EfiIa32: return files.efi32
    case ClientArch.EfiX64:
    case ClientArch.EfiBc: return files.efi64
    case ClientArch.EfiArm64: return files.arm64
    default: return undefined
  }
}

export function chooseBoot(req: DhcpPacket, mac: string, config: DhcpConfig): BootChoice {
  const arch = clientArch(req)
  const ipxe = isIpxe(req)
  const pxe = isPxeClient(req)
  const vendorClass = pxe ? 'PXEClient' as const : undefined
  // iPXE must get a script URL, not the loader again, or it chain-loads itself forever.
  if (ipxe) return {file: `${config.httpBase}/boot/${mac}.ipxe`, vendorClass, arch, ipxe, tftp: false}
  if (arch === ClientArch.EfiX64Http || isHttpClient(req)) {
    return {file: `${config.httpBase}/ipxe.efi`, vendorClass: 'HTTPClient', arch, ipxe, tftp: false}
  }
  const file = loaderFor(arch, config)
  return {file, vendorClass, arch, ipxe, tftp: file !== undefined}
}
