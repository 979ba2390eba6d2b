import {timingSafeEqual} from 'node:crypto'
import type {Readable} from 'node:stream'
import {Client, type ConnectConfig} from 'ssh2'
import {OperationError} from '../errors.js'
import {fingerprint, keyBlob} from '../util/ssh-key.js'

export {fingerprint, keyBlob}

/**
 * SSH into a LiveOS or installed OS with the host key pinned to the one the node
 * reported over its authenticated call-back: a different key is refused, never learnt.
 */
export interface SshTarget {
  host: string
  port?: number
  username?: string
  privateKey: Buffer | string
  /** OpenSSH public key line of the expected host key, e.g. `ssh-ed25519 AAAA… root@liveos`. */
  hostKey: string
}

export interface ExecResult {
  code: number
  stdout: string
  stderr: string
}

export class HostKeyMismatchError extends OperationError {
  constructor(host: string, expected: string, got: string) {
    super(`SSH host key of ${host} is ${got}, expected ${expected}: refusing to connect`,
      'the node is not the one that called back (or was reinstalled); redeploy it to learn the new key')
  }
}

export class SshSession {
  private constructor(private readonly client: Client, readonly target: SshTarget) {}

  static connect(target: SshTarget, opts: {timeoutMs?: number; signal?: AbortSignal} = {}): Promise<SshSession> {
    const expected = keyBlob(target.hostKey)
    let mismatch: string | undefined
    const client = new Client()
    const cfg: ConnectConfig = {
      host: target.host,
      port: target.port ?? 22,
      username: target.username ?? 'root',
      privateKey: target.privateKey,
      readyTimeout: opts.timeoutMs ?? 20_000,
      keepaliveInterval: 10_000,
      hostVerifier: (key: Buffer) => {
        const ok = key.length === expected.length && timingSafeEqual(key, expected)
        if (!ok) mismatch = fingerprint(key)
        return ok
      },
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => { client.end(); reject(new OperationError(`SSH to ${target.host} cancelled`)) }
      opts.signal?.addEventListener('abort', onAbort, {once: true})
      client.once('ready', () => {
        opts.signal?.removeEventListener('abort', onAbort)
        resolve(new SshSession(client, target))
      })
      client.once('error', (err) => {
        opts.signal?.removeEventListener('abort', onAbort)
        if (mismatch) reject(new HostKeyMismatchError(target.host, fingerprint(expected), mismatch))
        else reject(new OperationError(`SSH to ${target.host}:${cfg.port} failed: ${err.message}`))
      })
      client.connect(cfg)
    })
  }

  /**
   * Runs a command; stdin may be a buffer or a stream (piped with backpressure).
   * `onStdout` sees output as it arrives (progress lines).
   */
  exec(command: string, opts: {stdin?: Buffer | Readable; onStdout?: (chunk: string) => void; signal?: AbortSignal; maxOutput?: number} = {}): Promise<ExecResult> {
    const max = opts.maxOutput ?? 1 << 20
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, stream) => {
        if (err) return reject(new OperationError(`SSH exec on ${this.target.host} failed: ${err.message}`))
        let stdout = ''
        let stderr = ''
        const onAbort = () => { stream.signal('KILL'); stream.close() }
        opts.signal?.addEventListener('abort', onAbort, {once: true})
        stream.on('data', (d: Buffer) => {
          const s = d.toString()
          opts.onStdout?.(s)
          if (stdout.length < max) stdout += s
        })
        stream.stderr.on('data', (d: Buffer) => { if (stderr.length < max) stderr += d.toString() })
        stream.on('close', (code: number | null, signal?: string) => {
          opts.signal?.removeEventListener('abort', onAbort)
          if (opts.signal?.aborted) return reject(new OperationError(`command on ${this.target.host} cancelled`))
          resolve({code: code ?? (signal ? 128 : -1), stdout, stderr})
        })
        const stdin = opts.stdin
        if (Buffer.isBuffer(stdin)) stream.end(stdin)
        else if (stdin) stdin.pipe(stream)
        else stream.end()
      })
    })
  }

  /** Runs a command and throws with its stderr when it exits non-zero. */
  async run(command: string, what: string, opts: Parameters<SshSession['exec']>[1] = {}): Promise<string> {
    const r = await this.exec(command, opts)
    if (r.code !== 0) {
      throw new OperationError(`${what} failed on ${this.target.host} (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(-500)}`)
    }
    return r.stdout
  }

  close(): void {
    this.client.end()
  }
}
