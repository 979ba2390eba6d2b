/** `bmpctl liveos build` and the install step: the LiveOS into `<data-dir>/http/liveos`. */
import {existsSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {buildLiveOs, type LiveOsBuild} from '../liveos/build.js'
import type {Logger} from '../log.js'
import type {StepResult} from './install-steps.js'

export interface LiveOsTarget {
  liveosDir: string
  dataDir: string
}

/** Builds outside the HTTP root, so cached images are not served. */
export function liveosCacheDir(dataDir: string): string {
  return join(dataDir, 'cache', 'liveos')
}

function currentSha(liveosDir: string): string | undefined {
  try {
    const rec = JSON.parse(readFileSync(join(liveosDir, 'liveos.json'), 'utf8')) as {sha256?: string}
    return existsSync(join(liveosDir, 'initrd.img')) && existsSync(join(liveosDir, 'vmlinuz')) ? rec.sha256 : undefined
  } catch {
    return undefined
  }
}

export async function buildLiveOsInto(target: LiveOsTarget, opts: {force?: boolean; log?: Logger} = {}): Promise<LiveOsBuild & {changed: boolean}> {
  const cacheDir = liveosCacheDir(target.dataDir)
  if (opts.force) rmSync(cacheDir, {recursive: true, force: true})
  const before = currentSha(target.liveosDir)
  const build = await buildLiveOs({outDir: target.liveosDir, cacheDir, log: opts.log})
  return {...build, changed: opts.force === true || !build.reused || before !== build.sha256}
}

export async function liveosStep(target: LiveOsTarget, log?: Logger): Promise<StepResult> {
  const b = await buildLiveOsInto(target, {log})
  const size = `${(b.sizeBytes / 1024 / 1024).toFixed(1)} MiB, kernel ${b.kernelVersion}`
  return b.changed ? {step: 'liveos', status: 'changed', detail: `${b.reused ? 'installed' : 'built'} (${size})`} : {step: 'liveos', status: 'unchanged', detail: size}
}
