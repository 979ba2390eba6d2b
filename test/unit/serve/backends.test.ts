import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {createNodeIndex, createStoreDhcpBackend, createStoreHttpBackend, createStoreTftpBackend, macFromPxelinuxPath} from '../../../src/servers/backends/index.js'
import {createBootRenderer, publicKeyReader} from '../../../src/services/serve-pxe.js'
import {capturingLogger, freshStore, HTTP_BASE, spec, sshKeyPair, SUBNET} from './fixtures.js'

const MAC_A = '52:54:00:aa:00:01', MAC_B = '52:54:00:aa:00:02', MAC_C = '52:54:00:aa:00:03'

function setup() {
  const {store, dir} = freshStore()
  store.upsertNode(spec('in-subnet', MAC_A, '192.0.2.10/24'))
  store.upsertNode(spec('elsewhere', MAC_B, '198.51.100.10/24'))
  store.upsertNode(spec('no-address', MAC_C))
  const {log, lines} = capturingLogger()
  let now = 1_000_000
  const clock = () => now
  const index = createNodeIndex(store, SUBNET, clock)
  const key = sshKeyPair(dir)
  const render = createBootRenderer({httpBase: HTTP_BASE, sshPublicKey: publicKeyReader(key.privateKey)})
  return {store, dir, log, lines, index, render, key, advance: (ms: number) => { now += ms }, clock}
}

describe('DHCP backend over the store', () => {
  test('reservation: the enrolled node address when inside the subnet, with hostname, gateway and DNS', () => {
    const s = setup()
    const dhcp = createStoreDhcpBackend({store: s.store, subnet: SUBNET, log: s.log, index: s.index, now: s.clock})
    assert.deepEqual(dhcp.reservation(MAC_A), {ip: '192.0.2.10', hostname: 'in-subnet', gateway: '192.0.2.254', dns: ['192.0.2.53']})
    assert.equal(dhcp.reservedIp!('192.0.2.10'), MAC_A)
    assert.equal(dhcp.reservedIp!('192.0.2.11'), undefined)
    assert.equal(dhcp.reservation('52:54:00:ff:ff:ff'), undefined)
    s.store.close()
  })

  test('no reservation outside the subnet or without an address, said once per minute as a node event', () => {
    const s = setup()
    const dhcp = createStoreDhcpBackend({store: s.store, subnet: SUBNET, log: s.log, index: s.index, now: s.clock})
    assert.equal(dhcp.reservation(MAC_B), undefined)
    assert.equal(dhcp.reservation(MAC_B), undefined)
    assert.equal(dhcp.reservation(MAC_C), undefined)
    const why = (node: string) => s.store.events(node, {kinds: ['dhcp.no-reservation']})
    assert.equal(why('elsewhere').length, 1)
    assert.match(why('elsewhere')[0].message, /198\.51\.100\.10\/24 is outside the provisioning subnet 192\.0\.2\.0\/24/)
    assert.match(why('no-address')[0].message, /no network\.ipv4\.address/)
    s.advance(61_000)
    dhcp.reservation(MAC_B)
    assert.equal(why('elsewhere').length, 2)
    s.store.close()
  })

  test('leases, discovered MACs and events go to the store', () => {
    const s = setup()
    const dhcp = createStoreDhcpBackend({store: s.store, subnet: SUBNET, log: s.log, index: s.index})
    dhcp.putLease({mac: MAC_A, ip: '192.0.2.10', expires: Date.now() + 60_000})
    assert.equal(dhcp.getLease(MAC_A)?.ip, '192.0.2.10')
    assert.equal(dhcp.leaseByIp('192.0.2.10')?.mac, MAC_A)
    assert.equal(dhcp.listLeases().length, 1)
    dhcp.deleteLease(MAC_A)
    assert.equal(dhcp.getLease(MAC_A), undefined)
    dhcp.discovered('52:54:00:dd:00:01', {arch: 0})
    assert.deepEqual(s.store.listDiscovered().map((d) => [d.mac, d.info]), [['52:54:00:dd:00:01', {arch: 0}]])
    dhcp.event(MAC_A, 'dhcp.ack', 'DHCPACK 192.0.2.10', {ip: '192.0.2.10'})
    dhcp.event('52:54:00:dd:00:01', 'dhcp.ack', 'not a node')
    const ev = s.store.events('in-subnet', {kinds: ['dhcp.ack']})
    assert.deepEqual(ev.map((e) => e.data), [{mac: MAC_A, ip: '192.0.2.10'}])
    s.store.close()
  })
})

describe('boot files per MAC', () => {
  test('liveos: iPXE script with our URLs, the token and the deploy key; event names the mode', async () => {
    const s = setup()
    s.store.setBootConfig(MAC_A, {node: 'in-subnet', mode: 'liveos', vars: {token: 'T'.repeat(43), extra_args: 'bmpctl.debug=1'}})
    const http = createStoreHttpBackend({store: s.store, index: s.index, render: s.render, log: s.log})
    const text = await http.bootScript!(MAC_A)
    assert.ok(text?.startsWith('#!ipxe'))
    const keyB64 = Buffer.from(s.key.publicLine).toString('base64')
    assert.ok(text!.includes(`kernel ${HTTP_BASE}/liveos/vmlinuz initrd=initrd.img bmpctl.callback=${HTTP_BASE}/v1/callback bmpctl.token=${'T'.repeat(43)} bmpctl.sshkey=${keyB64} console=ttyS0,115200 bmpctl.debug=1`), text)
    http.event!(MAC_A, 'http.fetch', 'boot script served', {status: 200, client: '192.0.2.10'})
    const ev = s.store.events('in-subnet', {kinds: ['http.boot-script']})
    assert.equal(ev.length, 1)
    assert.equal((ev[0].data as {mode: string}).mode, 'liveos')
    s.store.close()
  })

  test('local config and no config both boot the local disk (never a 404)', async () => {
    const s = setup()
    s.store.setBootConfig(MAC_A, {node: 'in-subnet', mode: 'local', vars: {}})
    const http = createStoreHttpBackend({store: s.store, index: s.index, render: s.render, log: s.log})
    const local = await http.bootScript!(MAC_A)
    assert.match(local!, /booting in-subnet from its local disk/)
    assert.match(local!, /sanboot --no-describe --drive 0x80/)
    const unknown = await http.bootScript!('52:54:00:ee:ee:ee')
    assert.match(unknown!, /booting this node from its local disk/)
    s.store.setBootConfig(MAC_C, {node: 'no-address', mode: 'none', vars: {}})
    assert.match((await http.bootScript!(MAC_C))!, /sanboot/)
    s.store.close()
  })

  test('a liveos config without its token fails loudly with a node event, not a silent boot', async () => {
    const s = setup()
    s.store.setBootConfig(MAC_A, {node: 'in-subnet', mode: 'liveos', vars: {}})
    const http = createStoreHttpBackend({store: s.store, index: s.index, render: s.render, log: s.log})
    assert.throws(() => http.bootScript!(MAC_A), /token/)
    assert.match(s.store.events('in-subnet', {kinds: ['http.boot-script']})[0].message, /failed to render.*token/)
    s.store.close()
  })

  test('TFTP pxelinux.cfg/01-<mac> is rendered; other paths fall through to files', async () => {
    const s = setup()
    s.store.setBootConfig(MAC_A, {node: 'in-subnet', mode: 'liveos', vars: {token: 'x'.repeat(43)}})
    const tftp = createStoreTftpBackend({store: s.store, index: s.index, render: s.render, log: s.log})
    assert.equal(macFromPxelinuxPath('pxelinux.cfg/01-52-54-00-AA-00-01'), MAC_A)
    assert.equal(macFromPxelinuxPath('pxelinux.cfg/default'), undefined)
    const peer = {address: '192.0.2.10', port: 2000}
    const cfg = String(await tftp.file!('pxelinux.cfg/01-52-54-00-aa-00-01', peer))
    assert.match(cfg, new RegExp(`APPEND initrd=${HTTP_BASE}/liveos/initrd.img bmpctl.callback=${HTTP_BASE}/v1/callback bmpctl.token=x{43} `))
    assert.match(String(await tftp.file!('pxelinux.cfg/01-52-54-00-ee-ee-ee', peer)), /LOCALBOOT 0/)
    assert.equal(await tftp.file!('undionly.kpxe', peer), undefined)
    tftp.event!({address: '192.0.2.10'}, 'tftp.done', 'sent undionly.kpxe', {path: 'undionly.kpxe'})
    tftp.event!({address: '192.0.2.99'}, 'tftp.done', 'sent undionly.kpxe')
    const kinds = s.store.events('in-subnet').map((e) => e.kind)
    assert.deepEqual(kinds.filter((k) => k.startsWith('tftp.')), ['tftp.pxelinux-cfg', 'tftp.done'])
    s.store.close()
  })
})

describe('HTTP fetch events by client IP', () => {
  test('a live lease or the reserved address names the node; strangers are ignored', () => {
    const s = setup()
    const http = createStoreHttpBackend({store: s.store, index: s.index, render: s.render, log: s.log})
    http.event!('192.0.2.10', 'http.fetch', 'GET /liveos/vmlinuz', {status: 200})
    s.store.putLease({mac: MAC_C, ip: '192.0.2.77', expires: 2_000_000})
    http.event!('192.0.2.77', 'http.fetch', 'GET /liveos/initrd.img', {status: 200})
    http.event!('192.0.2.78', 'http.fetch', 'GET /images/x.raw', {status: 200})
    s.advance(1_500_000) // the lease has expired now
    http.event!('192.0.2.77', 'http.fetch', 'GET /liveos/vmlinuz', {status: 200})
    assert.deepEqual(s.store.events('in-subnet', {kinds: ['http.fetch']}).map((e) => e.message), ['GET /liveos/vmlinuz'])
    assert.deepEqual(s.store.events('no-address', {kinds: ['http.fetch']}).map((e) => [e.message, (e.data as {client: string}).client]), [['GET /liveos/initrd.img', '192.0.2.77']])
    s.store.close()
  })
})
