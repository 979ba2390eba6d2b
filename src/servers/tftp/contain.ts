import {constants, type Stats} from 'node:fs'
import {open, realpath, type FileHandle} from 'node:fs/promises'
import {posix, sep} from 'node:path'

/**
 * Path containment shared by the TFTP and HTTP servers: a request may only reach regular
 * files whose real path (symlinks resolved) lies under the real path of the served root.
 */

export type Resolved =
  | {kind: 'file'; path: string; handle: FileHandle; stat: Stats}
  | {kind: 'escape'; reason: string}
  | {kind: 'missing'}
  | {kind: 'notfile'}

/**
 * Turns a requested name into a root-relative path: a leading '/' is stripped (as
 * `tftpd -s` does), Windows-style '\' separators become '/'. Returns undefined for names
 * that would climb out ('..' segments), contain NUL, or name the root itself.
 */
export function cleanRelative(requested: string): string | undefined {
  if (requested.includes('\0')) return undefined
  const slashed = requested.replace(/\\/g, '/')
  if (slashed.split('/').includes('..')) return undefined
  const rel = posix.normalize(slashed.replace(/^\/+/, ''))
  if (rel === '.' || rel === '' || rel.startsWith('/')) return undefined
  return rel
}

export function isUnder(rootReal: string, candidate: string): boolean {
  return candidate === rootReal || candidate.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep)
}

/** Resolves and opens `rel` under `rootReal` (already a realpath); the caller closes the handle. */
export async function openUnderRoot(rootReal: string, rel: string): Promise<Resolved> {
  let real: string
  try {
    real = await realpath(posix.join(rootReal, rel))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return {kind: 'missing'}
    if (code === 'ELOOP') return {kind: 'escape', reason: 'symlink loop'}
    if (code === 'EACCES') return {kind: 'escape', reason: 'permission denied'}
    throw err
  }
  if (!isUnder(rootReal, real)) return {kind: 'escape', reason: 'resolves outside the root'}
  let handle: FileHandle
  try {
    // O_NOFOLLOW: the resolved path must not have been swapped for a symlink since realpath.
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return {kind: 'missing'}
    if (code === 'ELOOP' || code === 'EACCES' || code === 'EPERM') return {kind: 'escape', reason: code}
    if (code === 'EISDIR') return {kind: 'notfile'}
    throw err
  }
  const stat = await handle.stat()
  if (!stat.isFile()) {
    await handle.close()
    return {kind: 'notfile'}
  }
  return {kind: 'file', path: real, handle, stat}
}
