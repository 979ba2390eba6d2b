import {BOOTREQUEST, DhcpMessageType, type DhcpOptions, type DhcpPacket} from '../../../src/protocols/dhcp/index.js'
import {parseDhcpConfig, type DhcpConfig, type DhcpConfigInput} from '../../../src/servers/dhcp/config.js'
import {createDhcpState} from '../../../src/servers/dhcp/pool.js'
import {createMemoryBackend, type MemoryBackend} from '../../../src/servers/dhcp/memory-backend.js'
import type {DhcpReservation} from '../../../src/servers/dhcp/backend.js'
import type {DhcpContext} from '../../../src/servers/dhcp/handler.js'
import {macToBuffer} from '../../../src/util/net.js'

export const KNOWN = '52:54:00:12:34:56'
export const OTHER = '52:54:00:aa:bb:cc'

export function request(mac: string, options: DhcpOptions, fields: Partial<DhcpPacket> = {}): DhcpPacket {
  return {
    op: BOOTREQUEST, htype: 1, hlen: 6, hops: 0, xid: 0x1234abcd, secs: 0, flags: 0,
    ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: '0.0.0.0',
    chaddr: macToBuffer(mac), sname: '', file: '', options, ...fields,
  }
}

export const discover = (mac: string, o: DhcpOptions = {}, f: Partial<DhcpPacket> = {}) => request(mac, {messageType: DhcpMessageType.Discover, ...o}, f)
export const req = (mac: string, o: DhcpOptions = {}, f: Partial<DhcpPacket> = {}) => request(mac, {messageType: DhcpMessageType.Request, ...o}, f)

export function config(over: Partial<DhcpConfigInput> = {}): DhcpConfig {
  return parseDhcpConfig({
    serverIp: '192.0.2.1', subnet: '192.0.2.0/24', mode: 'reservations', leaseTimeSec: 3600,
    routers: ['192.0.2.254'], dns: ['192.0.2.53'], domain: 'lab.example', httpBase: 'http://192.0.2.1:8080',
    bootFiles: {bios: 'undionly.kpxe', efi64: 'snponly.efi', efi32: 'ipxe-i386.efi', arm64: 'snp-arm64.efi'},
    autoDiscover: true, ...over,
  })
}

export function context(over: Partial<DhcpConfigInput> = {}, reservations: Record<string, DhcpReservation> = {[KNOWN]: {ip: '192.0.2.10', hostname: 'node1'}}, backend?: MemoryBackend): DhcpContext & {backend: MemoryBackend} {
  return {config: config(over), backend: backend ?? createMemoryBackend({reservations}), state: createDhcpState(), now: 1_700_000_000_000}
}
