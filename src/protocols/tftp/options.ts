import type {TftpOptions} from './packet.js'

/**
 * Option negotiation for a read request (RFC 2347/2348/2349/7440). Only options the client
 * asked for are answered; unknown or invalid ones are left out (never an error), so a
 * client always gets the file with plain RFC 1350 defaults at worst.
 */

export const BLKSIZE_MIN = 8
export const BLKSIZE_MAX = 65464
export const DEFAULT_BLKSIZE = 512

export interface TransferParams {
  blksize: number
  windowsize: number
  /** Retransmission timeout in milliseconds. */
  timeoutMs: number
}

export interface NegotiationLimits {
  /** Largest block size we grant (e.g. to stay under a path MTU). */
  maxBlksize: number
  /** Largest window we grant. */
  maxWindowsize: number
  /** Our retransmission timeout when the client does not ask for one. */
  defaultTimeoutMs: number
}

export interface Negotiation {
  /** What goes into the OACK; empty means: answer with DATA directly. */
  accepted: TftpOptions
  params: TransferParams
}

/** Strict decimal integer (no signs, blanks, exponents, or leading junk). */
function parseUint(s: string): number | undefined {
  if (!/^\d{1,10}$/.test(s)) return undefined
  return Number(s)
}

/**
 * Decides the answer to a read request's options. `fileSize` is undefined when the size is
 * not known up front (netascii), in which case tsize is not answered.
 */
export function negotiateRead(requested: TftpOptions, fileSize: number | undefined, limits: NegotiationLimits): Negotiation {
  const accepted: TftpOptions = {}
  const params: TransferParams = {blksize: DEFAULT_BLKSIZE, windowsize: 1, timeoutMs: limits.defaultTimeoutMs}

  const blksize = requested.blksize === undefined ? undefined : parseUint(requested.blksize)
  if (blksize !== undefined && blksize >= BLKSIZE_MIN) {
    params.blksize = Math.min(blksize, BLKSIZE_MAX, limits.maxBlksize)
    accepted.blksize = String(params.blksize)
  }
  const timeout = requested.timeout === undefined ? undefined : parseUint(requested.timeout)
  if (timeout !== undefined && timeout >= 1 && timeout <= 255) {
    params.timeoutMs = timeout * 1000
    accepted.timeout = String(timeout)
  }
  if (requested.tsize !== undefined && fileSize !== undefined && parseUint(requested.tsize) !== undefined) {
    accepted.tsize = String(fileSize)
  }
  const windowsize = requested.windowsize === undefined ? undefined : parseUint(requested.windowsize)
  if (windowsize !== undefined && windowsize >= 1 && windowsize <= 65535) {
    params.windowsize = Math.min(windowsize, limits.maxWindowsize)
    accepted.windowsize = String(params.windowsize)
  }
  return {accepted, params}
}

/**
 * Checks an OACK against what a client asked for (client side, RFC 2347: the server may
 * only answer requested options, and only shrink blksize/windowsize).
 */
export function acceptOack(requested: TftpOptions, oack: TftpOptions): {params: Omit<TransferParams, 'timeoutMs'> & {tsize?: number}} | {error: string} {
  const params: {blksize: number; windowsize: number; tsize?: number} = {blksize: DEFAULT_BLKSIZE, windowsize: 1}
  for (const [name, value] of Object.entries(oack)) {
    if (!Object.hasOwn(requested, name)) return {error: `server answered unrequested option ${name}`}
    const n = parseUint(value)
    if (n === undefined) return {error: `option ${name}: not a number: ${value}`}
    if (name === 'blksize') {
      if (n < BLKSIZE_MIN || n > Number(requested.blksize)) return {error: `blksize ${n} outside 8..${requested.blksize}`}
      params.blksize = n
    } else if (name === 'windowsize') {
      if (n < 1 || n > Number(requested.windowsize)) return {error: `windowsize ${n} outside 1..${requested.windowsize}`}
      params.windowsize = n
    } else if (name === 'tsize') {
      params.tsize = n
    }
  }
  return {params}
}
