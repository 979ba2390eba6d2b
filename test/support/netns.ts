import {execFileSync, spawn, type ChildProcess, type SpawnOptions} from 'node:child_process'

/**
 * Network namespaces for lab tests. Everything created here is recorded and removed
 * at process exit (also on failure); processes are ended by the PIDs we started.
 * Lab addresses stay inside TEST-NET-1 (192.0.2.0/24) inside these namespaces.
 */
const created = {namespaces: new Set<string>(), children: new Set<ChildProcess>()}
let hooked = false

function hook(): void {
  if (hooked) return
  hooked = true
  const cleanup = () => {
    for (const c of created.children) if (c.pid && c.exitCode === null) killTree(c.pid)
    for (const ns of created.namespaces) run(['ip', 'netns', 'del', ns], true)
    created.children.clear()
    created.namespaces.clear()
  }
  process.on('exit', cleanup)
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { cleanup(); process.exit(130) })
}

function killTree(pid: number): void {
  try { process.kill(-pid, 'SIGKILL') } catch { try { process.kill(pid, 'SIGKILL') } catch { /* gone */ } }
}

function run(argv: string[], ignoreErrors = false): string {
  try {
    return execFileSync(argv[0], argv.slice(1), {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  } catch (err) {
    if (ignoreErrors) return ''
    const e = err as {stderr?: string; message: string}
    throw new Error(`${argv.join(' ')} failed: ${e.stderr || e.message}`)
  }
}

let counter = 0
/** A unique, short namespace name (IFNAMSIZ limits interface names to 15 chars). */
export function uniqueName(prefix: string): string {
  return `${prefix}${process.pid % 100000}${(counter++).toString(36)}`
}

export function createNamespace(prefix = 'bmp'): string {
  hook()
  const ns = uniqueName(prefix)
  run(['ip', 'netns', 'add', ns])
  created.namespaces.add(ns)
  nsExec(ns, ['ip', 'link', 'set', 'lo', 'up'])
  return ns
}

export function deleteNamespace(ns: string): void {
  run(['ip', 'netns', 'del', ns], true)
  created.namespaces.delete(ns)
}

/** Run a command to completion inside a namespace; throws with stderr on failure. */
export function nsExec(ns: string, argv: string[]): string {
  return run(['ip', 'netns', 'exec', ns, ...argv])
}

/**
 * Connects two namespaces with a veth pair and gives each end an address (CIDR) or
 * none ('' leaves it unconfigured, e.g. for a DHCP client).
 */
export function link(a: {ns: string; ifname: string; cidr: string}, b: {ns: string; ifname: string; cidr: string}): void {
  const tmpA = uniqueName('va'), tmpB = uniqueName('vb')
  run(['ip', 'link', 'add', tmpA, 'type', 'veth', 'peer', 'name', tmpB])
  run(['ip', 'link', 'set', tmpA, 'netns', a.ns])
  run(['ip', 'link', 'set', tmpB, 'netns', b.ns])
  for (const [end, tmp] of [[a, tmpA], [b, tmpB]] as const) {
    nsExec(end.ns, ['ip', 'link', 'set', tmp, 'name', end.ifname])
    if (end.cidr) nsExec(end.ns, ['ip', 'addr', 'add', end.cidr, 'dev', end.ifname])
    nsExec(end.ns, ['ip', 'link', 'set', end.ifname, 'up'])
  }
}

/** Spawn a long-running process inside a namespace; it is killed at exit if still running. */
export function nsSpawn(ns: string, argv: string[], opts: SpawnOptions = {}): ChildProcess {
  hook()
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], {detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...opts})
  created.children.add(child)
  child.on('exit', () => created.children.delete(child))
  return child
}

/** Stop a process we started (whole process group), waiting for it to exit. */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<number | null> {
  if (child.exitCode !== null || !child.pid) return child.exitCode
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)))
  try { process.kill(-child.pid, signal) } catch { /* already gone */ }
  const timer = setTimeout(() => child.pid && killTree(child.pid), graceMs)
  const code = await exited
  clearTimeout(timer)
  return code
}

/** Resolves when `pattern` appears in the child's stdout or stderr. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 15000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = ''
    const onData = (d: Buffer) => {
      buf += d.toString()
      const m = buf.match(pattern)
      if (m) { cleanup(); resolve(m[0]) }
    }
    const onExit = (code: number | null) => { cleanup(); reject(new Error(`process exited (${code}) before ${pattern}: ${buf.slice(-2000)}`)) }
    const timer = setTimeout(() => { cleanup(); reject(new Error(`timed out waiting for ${pattern}; output: ${buf.slice(-2000)}`)) }, timeoutMs)
    const cleanup = () => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.stderr?.off('data', onData)
      child.off('exit', onExit)
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.on('exit', onExit)
  })
}
