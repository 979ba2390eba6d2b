import {connect} from 'node:net'
import {sleep} from '../bmc/ops.js'
import {formatDuration, nodeView, nowMs, type DeployServices} from '../deploy/context.js'
import type {Store} from '../state/store.js'
import type {TaskContext, TaskModule, TaskResult} from './types.js'

export interface WaitForSshParams {
  host?: string
  port: number
  timeout: number
}

/** Connects once and resolves with the server's banner line, or rejects (refused, closed, silent). */
export function readSshBanner(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect({host, port})
    let buf = ''
    const done = (err?: Error, banner?: string) => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      sock.destroy()
      if (err) reject(err)
      else resolve(banner!)
    }
    const onAbort = () => done(new Error('cancelled'))
    const timer = setTimeout(() => done(new Error('no banner')), timeoutMs)
    signal?.addEventListener('abort', onAbort, {once: true})
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1')
      const line = buf.split(/\r?\n/).find((l) => l.startsWith('SSH-'))
      if (line) done(undefined, line.trim())
      else if (buf.length > 8192) done(new Error('no SSH banner in the first 8 KiB'))
    })
    sock.on('error', (e) => done(e))
    sock.on('close', () => done(new Error('closed before a banner')))
  })
}

/** The installed OS's address: the node's static IPv4, else where the LiveOS was. */
function defaultHost(ctx: TaskContext<unknown>, store: Store | undefined): string | undefined {
  const ipv4 = (() => { try { return nodeView(ctx, store).network.ipv4?.address } catch { return undefined } })()
  if (ipv4) return ipv4.split('/')[0]
  const liveos = store?.getNode(ctx.host)?.facts.liveos as {ip?: string} | undefined
  return liveos?.ip ?? undefined
}

/** Waits until an SSH server answers with its banner (the installed OS is up). */
const waitForSsh: TaskModule<WaitForSshParams> = {
  name: 'wait_for_ssh',
  description: 'Wait until the node answers SSH (reads the SSH- banner)',
  params: {
    host: {type: 'str', description: 'address; default: the node\'s network.ipv4 address, else the LiveOS address'},
    port: {type: 'int', default: 22, description: 'TCP port'},
    timeout: {type: 'duration', default: 600, description: 'how long to wait'},
  },
  supportsCheckMode: true,
  async run(ctx: TaskContext<WaitForSshParams>): Promise<TaskResult> {
    const store = ctx.services.store as Store | undefined
    const deploy = ctx.services.deploy as DeployServices | undefined
    const host = ctx.params.host || defaultHost(ctx, store)
    const {port, timeout} = ctx.params
    if (!host) return {changed: false, failed: true, msg: `no address to wait on for ${ctx.host}: give host, or set network.ipv4 in the inventory`}
    if (ctx.check) return {changed: false, host, port, msg: `would wait for SSH on ${host}:${port}`}
    const started = nowMs(deploy)
    const deadline = started + timeout * 1000
    let last = 'not tried'
    ctx.progress(`waiting for SSH on ${host}:${port}`)
    for (;;) {
      try {
        const banner = await readSshBanner(host, port, Math.max(1000, Math.min(10_000, deadline - nowMs(deploy))), ctx.signal)
        const durationSec = (nowMs(deploy) - started) / 1000
        store?.addEvent(ctx.host, 'deploy.wait_for_ssh', `SSH up on ${host}:${port} after ${formatDuration(durationSec)}`, {host, port, banner, durationSec})
        return {changed: false, host, port, banner, elapsed: durationSec, msg: `${banner} on ${host}:${port}`}
      } catch (err) {
        if (ctx.signal.aborted) throw err
        last = (err as Error).message
      }
      const left = deadline - nowMs(deploy)
      if (left <= 0) break
      // Refused connections come back at once, so polling often costs nothing and saves seconds per node.
      await sleep(Math.min(500, left), ctx.signal)
    }
    const msg = `no SSH on ${host}:${port} within ${formatDuration(timeout)} (last: ${last})`
    store?.addEvent(ctx.host, 'deploy.wait_for_ssh', msg, {host, port, timeoutSec: timeout})
    return {changed: false, failed: true, host, port, msg}
  },
}

export default waitForSsh
