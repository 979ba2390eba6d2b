/**
 * Deterministic random and mutated DHCP datagrams for robustness tests (unit and against
 * the running server). Seeds are valid requests of every message type.
 */
import {BOOTREQUEST, encodeDhcp, type DhcpOptions, type DhcpPacket} from '../../src/protocols/dhcp/index.js'
import {macToBuffer} from '../../src/util/net.js'

/** xorshift32: reproducible without a dependency. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13; s >>>= 0
    s ^= s >>> 17
    s ^= s << 5; s >>>= 0
    return s / 0x100000000
  }
}

export function seedPackets(macs: string[]): Buffer[] {
  const base = (mac: string, options: DhcpOptions, f: Partial<DhcpPacket> = {}): DhcpPacket => ({
    op: BOOTREQUEST, htype: 1, hlen: 6, hops: 0, xid: 42, secs: 0, flags: 0, ciaddr: '0.0.0.0', yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0', giaddr: '0.0.0.0', chaddr: macToBuffer(mac), sname: '', file: '', options, ...f,
  })
  const out: Buffer[] = []
  for (const mac of macs) {
    const pxe = {vendorClass: 'PXEClient:Arch:00007:UNDI:003016', clientArch: [7], clientUuid: Buffer.alloc(17, 3), parameterRequestList: [1, 3, 6, 66, 67]}
    out.push(
      encodeDhcp(base(mac, {messageType: 1, ...pxe})),
      encodeDhcp(base(mac, {messageType: 1, userClass: Buffer.from('iPXE'), ipxe: new Map([[19, Buffer.from([1])]])})),
      encodeDhcp(base(mac, {messageType: 3, serverId: '192.0.2.1', requestedIp: '192.0.2.10', ...pxe})),
      encodeDhcp(base(mac, {messageType: 3, requestedIp: '192.0.2.10'})),
      encodeDhcp(base(mac, {messageType: 3}, {ciaddr: '192.0.2.10'})),
      encodeDhcp(base(mac, {messageType: 1, relayAgentInfo: Buffer.from([1, 2, 3, 4])}, {giaddr: '192.0.2.2'})),
      encodeDhcp(base(mac, {messageType: 4, requestedIp: '192.0.2.10', serverId: '192.0.2.1'})),
      encodeDhcp(base(mac, {messageType: 7, serverId: '192.0.2.1'}, {ciaddr: '192.0.2.10'})),
      encodeDhcp(base(mac, {messageType: 8}, {ciaddr: '192.0.2.10'})),
    )
  }
  return out
}

const OPTION_CODES = [1, 3, 6, 12, 43, 50, 51, 52, 53, 54, 55, 57, 60, 61, 67, 77, 82, 93, 94, 97, 175, 200]

/** One datagram: pure noise, a plausible header with random options, or a mutated seed. */
export function fuzzDatagram(next: () => number, seeds: Buffer[]): Buffer {
  const int = (n: number) => Math.floor(next() * n)
  const kind = int(10)
  if (kind === 0) return Buffer.from(Array.from({length: int(600)}, () => int(256)))
  if (kind <= 3) {
    const head = Buffer.from(seeds[int(seeds.length)].subarray(0, 240))
    const opts: number[] = []
    for (let i = int(12); i > 0; i--) {
      const code = OPTION_CODES[int(OPTION_CODES.length)]
      const len = int(10) === 0 ? int(256) : int(8)
      opts.push(code, len, ...Array.from({length: int(3) === 0 ? int(len + 2) : len}, () => int(256)))
    }
    if (int(2)) opts.push(255)
    return Buffer.concat([head, Buffer.from(opts)])
  }
  const buf = Buffer.from(seeds[int(seeds.length)])
  const edits = 1 + int(6)
  let out = buf
  for (let e = 0; e < edits; e++) {
    const op = int(5)
    if (op === 0) out[int(out.length)] ^= 1 << int(8)
    else if (op === 1) out[int(out.length)] = int(256)
    else if (op === 2) out = out.subarray(0, int(out.length + 1))
    else if (op === 3) out = Buffer.concat([out, Buffer.from(Array.from({length: int(64)}, () => int(256)))])
    else if (out.length > 242) out[240 + int(Math.min(60, out.length - 240))] = int(256)
  }
  return Buffer.from(out)
}
