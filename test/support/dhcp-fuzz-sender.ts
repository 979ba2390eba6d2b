/**
 * Sends N random/mutated DHCP datagrams to a server from inside a test namespace.
 *   node --import tsx dhcp-fuzz-sender.ts <server> <count> <seed> <mac,...>
 */
import {createSocket} from 'node:dgram'
import {fuzzDatagram, rng, seedPackets} from './dhcp-fuzz.js'

const [server, countArg, seedArg, macs] = process.argv.slice(2)
const next = rng(Number(seedArg))
const seeds = seedPackets(macs.split(','))
const sock = createSocket('udp4')
let sent = 0
const total = Number(countArg)
function burst(): void {
  for (let i = 0; i < 200 && sent < total; i++, sent++) sock.send(fuzzDatagram(next, seeds), 67, server)
  if (sent < total) setImmediate(burst)
  else setTimeout(() => { process.stdout.write(`SENT ${sent}\n`); sock.close() }, 200)
}
sock.bind(0, burst)
