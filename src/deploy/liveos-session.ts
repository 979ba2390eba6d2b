import type {Store} from '../state/store.js'
import type {TaskContext} from '../tasks/types.js'
import {liveosFacts, type DeployServices} from './context.js'
import {SshSession, fingerprint} from './ssh.js'

/**
 * SSH to the LiveOS that called back: its reported address, as root, with the manager's
 * deploy key, the host key pinned to the first one it reported (docs/deploy.md).
 */
export async function openLiveOs(ctx: TaskContext<unknown>, store: Store, deploy: DeployServices, module: string): Promise<SshSession> {
  const facts = liveosFacts(store, ctx.host, module)
  if (!facts.ip) throw new Error(`${module}: the LiveOS of ${ctx.host} reported no IP address to SSH to`)
  const hostKey = facts.hostKeys?.[0]
  if (!hostKey) throw new Error(`${module}: the LiveOS of ${ctx.host} reported no SSH host key; refusing to connect unpinned`)
  const port = deploy.liveosSshPort ?? 22
  ctx.log.debug('ssh to LiveOS', {host: ctx.host, ip: facts.ip, port, hostKey: fingerprint(hostKey)})
  return SshSession.connect({host: facts.ip, port, privateKey: deploy.sshPrivateKey, hostKey}, {signal: ctx.signal})
}

/** Runs `fn` with a LiveOS session, always closing it. */
export async function withLiveOs<T>(ctx: TaskContext<unknown>, store: Store, deploy: DeployServices, module: string,
  fn: (s: SshSession) => Promise<T>): Promise<T> {
  const s = await openLiveOs(ctx, store, deploy, module)
  try {
    return await fn(s)
  } finally {
    s.close()
  }
}
