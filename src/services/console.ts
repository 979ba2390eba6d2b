/**
 * `bmpctl console`: a node's serial console over its BMC (IPMI SOL), interactive like
 * `ssh` (`~.` at the start of a line quits) or captured to a file for deploy timelines.
 */
import {createWriteStream} from 'node:fs'
import {createBmc} from '../bmc/factory.js'
import type {BmcProvider, ConsoleStream} from '../bmc/types.js'
import {OperationError} from '../errors.js'
import {closeAllIpmiSessions} from '../protocols/ipmi/pool.js'
import {withStore} from './nodes.js'

/** Splits typed bytes into what goes to the console and whether `~.` asked to quit. */
export class EscapeParser {
  private atLineStart = true
  private pendingTilde = false

  feed(input: Buffer): {forward: Buffer; quit: boolean} {
    const out: number[] = []
    for (const b of input) {
      if (this.pendingTilde) {
        this.pendingTilde = false
        if (b === 0x2e) return {forward: Buffer.from(out), quit: true} // '.'
        // '~~' sends one '~'; any other byte sends the held '~' and itself.
        if (b !== 0x7e) out.push(0x7e)
        out.push(b)
        this.atLineStart = b === 0x0d || b === 0x0a
        continue
      }
      if (b === 0x7e && this.atLineStart) {
        this.pendingTilde = true
        continue
      }
      out.push(b)
      this.atLineStart = b === 0x0d || b === 0x0a
    }
    return {forward: Buffer.from(out), quit: false}
  }
}

export interface OpenedConsole {
  stream: ConsoleStream
  /** Provider that opened it (e.g. ipmi). */
  provider: string
  close(): Promise<void>
}

/** Opens the node's console, or says clearly that its driver has none. */
export async function openNodeConsole(dataDir: string, name: string, signal?: AbortSignal): Promise<OpenedConsole> {
  const node = withStore(dataDir, (store) => store.requireNode(name))
  const chain = await createBmc(node.spec.bmc, {label: name})
  const p = chain.providers.find((x: BmcProvider) => x.features.has('console') && x.openConsole)
  if (!p) {
    await chain.close()
    throw new OperationError(`node ${name}: driver ${node.spec.bmc.driver} has no serial console`, 'a console needs a BMC with Serial-over-LAN (driver ipmi)')
  }
  try {
    const stream = await p.openConsole!(signal)
    return {stream, provider: p.name, close: async () => {
      await stream.close().catch(() => undefined)
      await chain.close()
      await closeAllIpmiSessions()
    }}
  } catch (err) {
    await chain.close()
    await closeAllIpmiSessions()
    throw new OperationError(`node ${name}: cannot open the console: ${(err as Error).message}`)
  }
}

export interface CaptureResult {
  node: string
  file: string
  bytes: number
  provider: string
  /** Why capture ended: the duration ran out or the user interrupted. */
  ended: 'duration' | 'interrupted'
}

/** Writes console output to `file` until `durationMs` passes or `signal` aborts; logs console.capture events. */
export async function captureConsole(dataDir: string, name: string, file: string, durationMs: number | undefined, signal: AbortSignal): Promise<CaptureResult> {
  const con = await openNodeConsole(dataDir, name, signal)
  const out = createWriteStream(file, {flags: 'a'})
  let bytes = 0
  con.stream.onData((d) => { bytes += d.length; out.write(d) })
  withStore(dataDir, (s) => s.addEvent(name, 'console.capture', `capturing console to ${file}`, {file, phase: 'start', provider: con.provider}))
  const ended = await new Promise<CaptureResult['ended']>((resolve) => {
    const timer = durationMs !== undefined ? setTimeout(() => resolve('duration'), durationMs) : undefined
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve('interrupted') }, {once: true})
  })
  await con.close()
  await new Promise<void>((r) => out.end(() => r()))
  withStore(dataDir, (s) => s.addEvent(name, 'console.capture', `captured ${bytes} bytes to ${file} (${ended})`, {file, phase: 'end', bytes, ended}))
  return {node: name, file, bytes, provider: con.provider, ended}
}

export interface ConsoleIo {
  stdin: NodeJS.ReadStream
  stdout: NodeJS.WritableStream
  /** Status lines (connected, escape help); stderr in the CLI. */
  note(line: string): void
}

/**
 * Interactive session: raw TTY (restored on every way out), keys through the `~.` parser,
 * console bytes to stdout. Ends on `~.`, end of stdin, or `signal`.
 */
export async function interactiveConsole(dataDir: string, name: string, io: ConsoleIo, signal: AbortSignal): Promise<{node: string; provider: string}> {
  const con = await openNodeConsole(dataDir, name, signal)
  const tty = io.stdin.isTTY ? io.stdin : undefined
  const restore = () => { if (tty?.isRaw) tty.setRawMode(false) }
  process.once('exit', restore)
  try {
    tty?.setRawMode(true)
    io.note(`connected to ${name} via ${con.provider}; type ~. at the start of a line to quit`)
    con.stream.onData((d) => io.stdout.write(d))
    const parser = new EscapeParser()
    await new Promise<void>((resolve) => {
      // Paused is not enough for a pipe: unref so an open stdin cannot keep the process alive.
      const finish = () => { io.stdin.off('data', onData); io.stdin.off('end', finish); io.stdin.pause(); (io.stdin as {unref?: () => void}).unref?.(); resolve() }
      const onData = (chunk: Buffer) => {
        const {forward, quit} = parser.feed(chunk)
        if (forward.length) con.stream.write(forward)
        if (quit) finish()
      }
      io.stdin.on('data', onData)
      io.stdin.once('end', finish)
      signal.addEventListener('abort', finish, {once: true})
      io.stdin.resume()
    })
  } finally {
    restore()
    process.off('exit', restore)
    await con.close()
  }
  io.note(`\r\nconnection to ${name} closed`)
  return {node: name, provider: con.provider}
}
