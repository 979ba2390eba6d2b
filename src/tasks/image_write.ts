import {statSync} from 'node:fs'
import {formatChecksum, type Checksum} from '../deploy/checksum.js'
import {formatBytes, formatDuration, nowMs, requireDeploy, type DeployServices} from '../deploy/context.js'
import {ChecksumMismatchError, isQcow2, qcow2ToRaw, resolveChecksum} from '../deploy/image-cache.js'
import {withLiveOs} from '../deploy/liveos-session.js'
import {diskWipeScript, formatFromUrl, imageWriteScript, parseImageWriteResult, type ImageFormat, type ImageWriteResult} from '../deploy/scripts.js'
import type {SshSession} from '../deploy/ssh.js'
import {requireStore} from './node_state.js'
import type {TaskContext, TaskModule, TaskResult} from './types.js'

export interface ImageWriteParams {
  device: string
  url: string
  checksum?: string
  format: 'auto' | ImageFormat
}

interface Source {
  url: string
  format: ImageFormat
  /** What the LiveOS must see on the wire (the published checksum, or the cached raw's sha256). */
  checksum?: Checksum
  /** Bytes the LiveOS downloads, when known (for a percentage). */
  total?: number
  converted?: {file: string; cached: boolean}
}

/** Resolves checksum, qcow2 conversion and format on the manager, before touching the node. */
async function prepare(ctx: TaskContext<ImageWriteParams>, deploy: DeployServices): Promise<Source> {
  const {url} = ctx.params
  const checksum = await resolveChecksum(ctx.params.checksum, url, ctx.signal)
  if (await isQcow2(url, ctx.signal)) {
    ctx.progress('converting qcow2 to raw on the manager')
    const raw = await qcow2ToRaw({url, imagesDir: deploy.layout.imagesDir, checksum, signal: ctx.signal})
    const size = statSync(raw.path).size
    return {url: `${deploy.layout.httpBase}/images/${raw.file}`, format: 'raw', checksum: {algo: 'sha256', hex: raw.rawSha256},
      total: size, converted: {file: raw.file, cached: raw.cached}}
  }
  const format = ctx.params.format === 'auto' ? formatFromUrl(url) : ctx.params.format
  return {url, format, checksum, total: format === 'raw' ? await contentLength(url, ctx.signal) : undefined}
}

async function contentLength(url: string, signal: AbortSignal): Promise<number | undefined> {
  if (!/^https?:/i.test(url)) return undefined
  try {
    // Only for a percentage: a URL the manager cannot reach must not hold the deploy up.
    const res = await fetch(url, {method: 'HEAD', signal: AbortSignal.any([signal, AbortSignal.timeout(5000)])})
    const n = Number(res.headers.get('content-length'))
    return res.ok && n > 0 ? n : undefined
  } catch {
    return undefined
  }
}

/** Feeds `progress N` lines (which may arrive split across chunks) to ctx.progress. */
export function progressReader(ctx: TaskContext<unknown>, total: number | undefined, started: number, now: () => number): (chunk: string) => void {
  let buf = ''
  return (chunk) => {
    buf += chunk
    const lines = buf.split('\n')
    buf = lines.pop() ?? ''
    for (const line of lines) {
      const m = /^progress (\d+)$/.exec(line.trim())
      if (!m) continue
      const bytes = Number(m[1])
      const rate = bytes / Math.max(0.001, (now() - started) / 1000)
      const what = total ? `${Math.min(100, Math.floor((bytes / total) * 100))}%` : formatBytes(bytes)
      ctx.progress(`image ${what}`, {bytes, total, rate})
    }
  }
}

/** Why a written image must not be booted, or undefined when every hash agrees. */
function verify(r: ImageWriteResult, src: Source): string | undefined {
  if (src.checksum && r.source !== src.checksum.hex) {
    return `checksum mismatch for ${src.url}: expected ${formatChecksum(src.checksum)}, downloaded image has ${src.checksum.algo}:${r.source}`
  }
  if (r.raw !== r.disk) return `read-back mismatch: stream written ${r.raw}, disk read back ${r.disk} (${r.bytes} bytes)`
  return undefined
}

/** Streams an image onto the install disk from the LiveOS, verified in flight and read back. */
const imageWrite: TaskModule<ImageWriteParams> = {
  name: 'image_write',
  description: 'Write an OS image to a disk of the LiveOS (streamed; checksum verified in flight and read back)',
  params: {
    device: {type: 'str', required: true, description: 'target disk, e.g. /dev/sda'},
    url: {type: 'str', required: true, description: 'image URL (raw, .gz, .xz, .zst; qcow2 is converted on the manager)'},
    checksum: {type: 'str', description: 'sha256:<hex>, sha512:<hex>, bare hex, or a URL of a checksums file'},
    format: {type: 'str', default: 'auto', choices: ['auto', 'raw', 'gz', 'xz', 'zst'], description: 'compression; auto: from the URL'},
  },
  supportsCheckMode: true,
  async run(ctx: TaskContext<ImageWriteParams>): Promise<TaskResult> {
    const store = requireStore(ctx, 'image_write')
    const deploy = requireDeploy(ctx, 'image_write')
    const {device, url} = ctx.params
    if (!device.startsWith('/dev/')) return {changed: false, failed: true, msg: `device ${JSON.stringify(device)} is not a /dev path`}
    try { new URL(url) } catch { return {changed: false, failed: true, msg: `url ${JSON.stringify(url)} is not a URL`} }
    if (ctx.check) return {changed: true, device, url, msg: `would write ${url} to ${device}`}
    let src: Source
    try {
      src = await prepare(ctx, deploy)
    } catch (err) {
      return {changed: false, failed: true, msg: (err as Error).message, ...(err instanceof ChecksumMismatchError ? {expected: formatChecksum(err.expected), actual: `${err.expected.algo}:${err.actual}`} : {})}
    }
    const now = () => nowMs(deploy)
    const started = now()
    ctx.progress(`writing ${src.url} to ${device}`)
    const onStdout = progressReader(ctx, src.total, started, now)
    const script = imageWriteScript({url: src.url, device, format: src.format, checksum: src.checksum})
    return withLiveOs(ctx, store, deploy, 'image_write', async (s) => {
      const out = await s.run(script, `writing ${src.url} to ${device}`, {signal: ctx.signal, onStdout})
      const r = parseImageWriteResult(out)
      if (!r) return {changed: true, failed: true, msg: `image write on ${device} printed no result line: ${out.trim().slice(-300)}`}
      const durationSec = (now() - started) / 1000
      const rate = r.bytes / Math.max(0.001, durationSec)
      const data = {device, url: src.url, format: src.format, bytes: r.bytes, durationSec, rate, source: r.source, raw: r.raw, disk: r.disk,
        ...(src.converted ? {converted: src.converted} : {})}
      const problem = verify(r, src)
      if (problem) {
        await unbootable(s, device, ctx.signal)
        store.addEvent(ctx.host, 'deploy.image_write', `image write failed: ${problem}`, {...data, error: problem})
        return {changed: true, failed: true, ...data, msg: `${problem}; ${device} metadata wiped so it cannot boot`}
      }
      store.addEvent(ctx.host, 'deploy.image_write', `wrote ${formatBytes(r.bytes)} to ${device} in ${formatDuration(durationSec)} (${formatBytes(rate)}/s)`, data)
      return {changed: true, ...data, msg: `wrote ${formatBytes(r.bytes)} to ${device}, verified (${src.checksum ? formatChecksum(src.checksum) : 'sha256:' + r.raw})`}
    })
  },
}

/** A disk holding a wrong image must not boot it. */
async function unbootable(s: SshSession, device: string, signal: AbortSignal): Promise<void> {
  await s.exec(diskWipeScript(device, 'metadata'), {signal})
}

export default imageWrite
