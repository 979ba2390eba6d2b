/**
 * VMs-only baseline, the server side: a bare static HTTP server standing in for everything
 * bmpctl would do up to the call-back — per-VM iPXE script, the LiveOS kernel and initrd,
 * and a call-back endpoint that accepts anything. Prints one JSON line per event
 * ({vm, what: script|vmlinuz|initrd.img|callback, t}) for the parent to time.
 * Usage (inside its namespace): node --import tsx bench/deploy-vmonly-server.ts PORT LIVEOS_DIR SSH_PUB_FILE
 */
import {createReadStream, readFileSync, statSync} from 'node:fs'
import {createServer} from 'node:http'
import {join} from 'node:path'

const [port, liveosDir, pubFile] = [Number(process.argv[2]), process.argv[3], process.argv[4]]
const base = `http://10.0.2.2:${port}` // the host as slirp shows it to the guest
const sshKey = Buffer.from(readFileSync(pubFile, 'utf8').trim()).toString('base64')
const emit = (vm: string, what: string) => process.stdout.write(JSON.stringify({vm, what, t: Date.now()}) + '\n')

function script(vm: string): string {
  return ['#!ipxe',
    `kernel ${base}/liveos/${vm}/vmlinuz initrd=initrd.img bmpctl.callback=${base}/v1/callback/${vm} bmpctl.token=bench bmpctl.sshkey=${sshKey} console=ttyS0,115200`,
    `initrd ${base}/liveos/${vm}/initrd.img`, 'boot', ''].join('\n')
}

createServer((req, res) => {
  const url = req.url ?? '/'
  let m = /^\/boot\/(\d+)\.ipxe$/.exec(url)
  if (m) {
    emit(m[1], 'script')
    res.end(script(m[1]))
    return
  }
  m = /^\/liveos\/(\d+)\/(vmlinuz|initrd\.img)$/.exec(url)
  if (m) {
    const [, vm, file] = m
    const path = join(liveosDir, file)
    res.writeHead(200, {'Content-Length': statSync(path).size, 'Content-Type': 'application/octet-stream'})
    res.on('finish', () => emit(vm, file))
    createReadStream(path).pipe(res)
    return
  }
  m = /^\/v1\/callback\/(\d+)$/.exec(url)
  if (m && req.method === 'POST') {
    const vm = m[1]
    req.resume().on('end', () => {
      emit(vm, 'callback')
      res.writeHead(200, {'Content-Type': 'application/json'}).end('{"ok":true}')
    })
    return
  }
  res.writeHead(404).end()
}).listen(port, '127.0.0.1', () => emit('-', 'listening'))
