/**
 * proxyDHCP (PXE 2.1): answer PXE clients with boot information only — yiaddr 0, no
 * address options — so another DHCP server keeps handing out addresses.
 */
import {DhcpMessageType as T, isPxeClient} from '../../protocols/dhcp/index.js'
import {inSubnet, isIpv4} from '../../util/net.js'
import {CLIENT_PORT, ZERO, addBootOptions, baseReply, destinationFor} from './reply.js'
import {discoveryInfo, emit, type DhcpResponse, type Turn} from './turn.js'

export function handleProxy(t: Turn): DhcpResponse | undefined {
  if (!isPxeClient(t.req) || !t.boot.file) return undefined
  const {config, via, backend} = t.ctx
  let type: T
  if (t.type === T.Discover && !via?.proxy) type = T.Offer
  else if (t.type === T.Request && (via?.proxy || t.req.options.serverId === config.serverIp)) type = T.Ack
  else return undefined
  if (!t.res && config.autoDiscover && type === T.Offer) backend.discovered(t.mac, discoveryInfo(t))
  emit(t, type === T.Offer ? 'dhcp.discover' : 'dhcp.request', `proxyDHCP ${type === T.Offer ? 'DISCOVER' : 'REQUEST'}`)
  const reply = baseReply(t.req, type, config)
  if (type === T.Ack) reply.ciaddr = t.req.ciaddr
  addBootOptions(reply, t.req, t.boot, config, true)
  emit(t, type === T.Offer ? 'dhcp.offer' : 'dhcp.ack', `proxyDHCP ${type === T.Offer ? 'OFFER' : 'ACK'} ${t.boot.file}`)
  // On 4011 the client listens where it sent from (PXE 2.1 §2.2.5).
  if (via?.proxy) {
    const address = t.req.ciaddr !== ZERO ? t.req.ciaddr : via.address
    if (!isIpv4(address) || !inSubnet(address, t.subnet)) return undefined
    return {reply, destination: {address, port: via.port || CLIENT_PORT}}
  }
  return {reply, destination: destinationFor(t.req, reply)}
}
