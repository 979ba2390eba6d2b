/** The HTTP server's backend: per-MAC iPXE scripts, the call-back, per-node fetch events. */
import type {HttpBackend} from '../http/server.js'
import type {Logger} from '../../log.js'
import type {Store} from '../../state/store.js'
import {normalizeMac} from '../../util/net.js'
import {handleCallback} from './callback.js'
import type {NodeIndex} from './node-index.js'
import type {BootFileRenderer} from './tftp.js'

export interface StoreHttpBackendOptions {
  store: Store
  index: NodeIndex
  render: BootFileRenderer
  log: Logger
}

export function createStoreHttpBackend(opts: StoreHttpBackendOptions): HttpBackend {
  const {store, index, render, log} = opts
  // The route reports the script fetch right after bootScript(); carry the mode across.
  const lastMode = new Map<string, string>()
  return {
    bootScript(mac) {
      const cfg = store.getBootConfig(mac)
      try {
        const out = render('ipxe', cfg)
        lastMode.set(mac, out.mode)
        return out.text
      } catch (err) {
        const ref = index.byMac(mac)
        const message = `boot script for mode ${cfg?.mode} failed to render: ${(err as Error).message}`
        if (ref) store.addEvent(ref.node, 'http.boot-script', message, {mac, error: true})
        log.error('http: boot script failed to render', {mac, node: ref?.node, error: (err as Error).message})
        throw err
      }
    },
    callback: async (req) => handleCallback({store, index, log}, req),
    event(key, kind, message, data) {
      const mac = normalizeMac(key)
      const ref = index.resolve(key)
      if (mac) {
        const mode = lastMode.get(mac)
        lastMode.delete(mac)
        if (ref) store.addEvent(ref.node, 'http.boot-script', `boot script served (${mode ?? 'none'})`, {mac, mode, ...data})
        return
      }
      if (ref) store.addEvent(ref.node, kind, message, {...data, client: key})
    },
  }
}
