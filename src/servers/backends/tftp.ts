/** The TFTP server's backend: dynamic pxelinux.cfg/01-<mac> files and per-node events. */
import type {TftpBackend} from '../tftp/server.js'
import type {Logger} from '../../log.js'
import type {Store} from '../../state/store.js'
import type {StoredBootConfig} from '../../state/types.js'
import type {NodeIndex} from './node-index.js'

/** Renders a boot file for a MAC's boot config (undefined config = boot the local disk). */
export type BootFileRenderer = (kind: 'ipxe' | 'pxelinux', cfg: StoredBootConfig | undefined) => {text: string; mode: string}

export interface StoreTftpBackendOptions {
  store: Store
  index: NodeIndex
  render: BootFileRenderer
  log: Logger
}

const PXELINUX_CFG = /^pxelinux\.cfg\/01-([0-9a-f]{2}(?:-[0-9a-f]{2}){5})$/i

/** `pxelinux.cfg/01-52-54-00-12-34-56` → `52:54:00:12:34:56`, else undefined. */
export function macFromPxelinuxPath(path: string): string | undefined {
  const m = PXELINUX_CFG.exec(path)
  return m ? m[1].toLowerCase().replace(/-/g, ':') : undefined
}

export function createStoreTftpBackend(opts: StoreTftpBackendOptions): TftpBackend {
  const {store, index, render, log} = opts
  return {
    file(path) {
      const mac = macFromPxelinuxPath(path)
      if (!mac) return undefined
      const cfg = store.getBootConfig(mac)
      const out = render('pxelinux', cfg)
      const ref = index.byMac(mac)
      if (ref) store.addEvent(ref.node, 'tftp.pxelinux-cfg', `pxelinux.cfg rendered (${out.mode})`, {mac, mode: out.mode})
      log.debug('tftp: pxelinux.cfg rendered', {mac, mode: out.mode})
      return out.text
    },
    event(client, kind, message, data) {
      const ref = index.byIp(client.address)
      if (ref) store.addEvent(ref.node, kind, message, {client: client.address, ...data})
    },
  }
}
