/**
 * Plays a DHCP relay agent inside a test namespace: sends one DISCOVER with giaddr set and
 * option 82 to the server, listens on port 67 for the answer and prints it as JSON.
 *   node --import tsx dhcp-relay-probe.ts <server> <giaddr> <mac> <option82-hex>
 */
import {createSocket} from 'node:dgram'
import {BOOTREQUEST, DhcpMessageType, decodeDhcp, encodeDhcp} from '../../src/protocols/dhcp/index.js'
import {macToBuffer} from '../../src/util/net.js'

const [server, giaddr, mac, opt82] = process.argv.slice(2)
const sock = createSocket({type: 'udp4', reuseAddr: true})
const timer = setTimeout(() => { process.stdout.write(JSON.stringify({timeout: true}) + '\n'); process.exit(2) }, 5000)
sock.on('message', (msg, rinfo) => {
  const p = decodeDhcp(msg)
  process.stdout.write(JSON.stringify({
    from: rinfo.address, toPort: 67, op: p.op, xid: p.xid, yiaddr: p.yiaddr, giaddr: p.giaddr, siaddr: p.siaddr,
    type: p.options.messageType, file: p.file, option82: p.options.relayAgentInfo?.toString('hex'),
    routers: p.options.routers, mask: p.options.subnetMask,
  }) + '\n')
  clearTimeout(timer)
  sock.close()
})
sock.bind(67, giaddr, () => {
  const packet = encodeDhcp({
    op: BOOTREQUEST, htype: 1, hlen: 6, hops: 1, xid: 0x5eed, secs: 0, flags: 0,
    ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr, chaddr: macToBuffer(mac), sname: '', file: '',
    options: {messageType: DhcpMessageType.Discover, clientArch: [7], vendorClass: 'PXEClient:Arch:00007:UNDI:003016', relayAgentInfo: Buffer.from(opt82, 'hex')},
  })
  sock.send(packet, 67, server)
})
