import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {mkdirSync, readFileSync, writeFileSync, chmodSync} from 'node:fs'
import {join} from 'node:path'
import {tempDir} from './env.js'
import {freeTcpPort} from './ports.js'

/**
 * A real SSH server (dropbear, the one the LiveOS runs) on 127.0.0.1 for tests. It runs
 * in a private mount namespace with a temp dir bound over /root, so the authorized key
 * lives there and the machine's own /root/.ssh is never touched.
 */
export interface TestSshd {
  port: number
  hostKeyLine: string
  clientKey: Buffer
  clientPub: string
  dir: string
  stop(): void
}

export function makeClientKey(dir: string, name = 'id_ed25519'): {key: Buffer; pub: string; path: string} {
  const path = join(dir, name)
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bmpctl-test', '-f', path])
  return {key: readFileSync(path), pub: readFileSync(path + '.pub', 'utf8').trim(), path}
}

export function makeHostKey(dir: string, name = 'host_ed25519'): {path: string; line: string} {
  const path = join(dir, name)
  execFileSync('dropbearkey', ['-t', 'ed25519', '-f', path], {stdio: 'ignore'})
  const line = execFileSync('dropbearkey', ['-y', '-f', path], {encoding: 'utf8'}).split('\n').find((l) => l.startsWith('ssh-'))!
  return {path, line: line.trim()}
}

export async function startTestSshd(): Promise<TestSshd> {
  const dir = tempDir('bmpctl-sshd-')
  const home = join(dir, 'home')
  mkdirSync(join(home, '.ssh'), {recursive: true, mode: 0o700})
  chmodSync(home, 0o700)
  const client = makeClientKey(dir)
  writeFileSync(join(home, '.ssh', 'authorized_keys'), client.pub + '\n', {mode: 0o600})
  const host = makeHostKey(dir)
  const port = await freeTcpPort()
  const script = `mount --make-rprivate / && mount --bind '${home}' /root && exec dropbear -F -E -s -p 127.0.0.1:${port} -r '${host.path}'`
  const child: ChildProcess = spawn('unshare', ['-m', 'sh', '-c', script], {stdio: ['ignore', 'ignore', 'pipe']})
  const stop = () => { if (child.exitCode === null) child.kill('SIGKILL') }
  process.on('exit', stop)
  let log = ''
  child.stderr?.on('data', (d) => { log += d })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dropbear did not start: ${log}`)), 10_000)
    child.stderr?.on('data', () => {
      if (/Not backgrounding|listening/i.test(log)) { clearTimeout(timer); resolve() }
    })
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`dropbear exited ${code}: ${log}`)) })
  })
  return {port, hostKeyLine: host.line, clientKey: client.key, clientPub: client.pub, dir, stop}
}
