/**
 * Looks for another DHCP server on the provisioning segment: one DISCOVER (our codec) to
 * the subnet's broadcast address, then collect OFFERs for a moment. Nothing is leased.
 */
import {createSocket} from 'node:dgram'
import {randomBytes} from 'node:crypto'
import {BOOTREPLY, BOOTREQUEST, BROADCAST_FLAG, DhcpMessageType, decodeDhcp, encodeDhcp} from '../protocols/dhcp/index.js'

export interface DhcpProbeOptions {
  /** Subnet-directed broadcast (e.g. 192.0.2.255): keeps the probe on the provisioning subnet. */
  broadcast: string
  /** Our own addresses: offers from them are ours, not foreign. */
  ownAddresses: string[]
  waitMs?: number
  serverPort?: number
  clientPort?: number
}

export type DhcpProbeResult = {servers: string[]} | {skipped: string}

export function discoverPacket(xid: number, mac: Buffer): Buffer {
  return encodeDhcp({
    op: BOOTREQUEST, htype: 1, hlen: 6, hops: 0, xid, secs: 0, flags: BROADCAST_FLAG,
    ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: '0.0.0.0', chaddr: mac, sname: '', file: '',
    options: {messageType: DhcpMessageType.Discover, parameterRequestList: [1, 3, 6, 54]},
  })
}

export async function probeForeignDhcp(opts: DhcpProbeOptions): Promise<DhcpProbeResult> {
  const sock = createSocket({type: 'udp4', reuseAddr: true})
  const xid = randomBytes(4).readUInt32BE(0)
  // Locally administered, unicast: never a real NIC's MAC.
  const mac = Buffer.concat([Buffer.from([0x02]), randomBytes(5)])
  const servers = new Set<string>()
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject)
      sock.bind(opts.clientPort ?? 68, '0.0.0.0', () => { sock.off('error', reject); resolve() })
    })
  } catch (err) {
    sock.close()
    return {skipped: `cannot listen on udp port ${opts.clientPort ?? 68} (${(err as NodeJS.ErrnoException).code ?? String(err)})`}
  }
  try {
    sock.setBroadcast(true)
    sock.on('message', (msg, rinfo) => {
      try {
        const p = decodeDhcp(msg)
        if (p.op !== BOOTREPLY || p.xid !== xid || p.options.messageType !== DhcpMessageType.Offer) return
        const server = p.options.serverId ?? rinfo.address
        if (!opts.ownAddresses.includes(server) && !opts.ownAddresses.includes(rinfo.address)) servers.add(server)
      } catch { /* not DHCP: ignore */ }
    })
    sock.on('error', () => { /* a late send error only means nobody answered */ })
    const packet = discoverPacket(xid, mac)
    const send = () => sock.send(packet, opts.serverPort ?? 67, opts.broadcast, () => {})
    // Servers ping an address before offering it (dnsmasq, dhcpd): answers can take seconds,
    // and a DISCOVER that arrives mid-ping may be dropped, so ask again while listening.
    const waitMs = opts.waitMs ?? 4000
    send()
    const again = setInterval(send, Math.max(500, Math.floor(waitMs / 3)))
    await new Promise((r) => setTimeout(r, waitMs))
    clearInterval(again)
  } finally {
    sock.close()
  }
  return {servers: [...servers].sort()}
}
