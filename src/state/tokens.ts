import {createHash, randomBytes, timingSafeEqual} from 'node:crypto'
import type Database from 'better-sqlite3'
import type {TokenClaim} from './types.js'

/** 32 random bytes in base64url: 43 characters, no padding. */
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/

function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest()
}

/** Issues a one-time token; only its hash is stored, so a copy of state.db cannot replay it. */
export function issueToken(db: Database.Database, node: string, purpose: string, ttlSec: number, now = Date.now()): string {
  if (!(ttlSec > 0)) throw new RangeError(`token ttl must be a positive number of seconds, got ${ttlSec}`)
  const token = randomBytes(32).toString('base64url')
  db.prepare('INSERT INTO tokens (hash, node, purpose, expires) VALUES (?, ?, ?, ?)').run(sha256(token), node, purpose, now + ttlSec * 1000)
  return token
}

interface TokenRow {
  hash: Buffer
  node: string
  purpose: string
  expires: number
}

/**
 * Redeems a token once. Expired rows are purged first; live hashes are compared in
 * constant time (there are only as many as nodes in flight).
 */
export function consumeToken(db: Database.Database, token: string, now = Date.now()): TokenClaim | undefined {
  if (typeof token !== 'string' || !TOKEN_RE.test(token)) return undefined
  const wanted = sha256(token)
  const redeem = db.transaction((): TokenClaim | undefined => {
    db.prepare('DELETE FROM tokens WHERE expires <= ?').run(now)
    const rows = db.prepare('SELECT hash, node, purpose, expires FROM tokens').all() as TokenRow[]
    const hit = rows.find((r) => r.hash.length === wanted.length && timingSafeEqual(r.hash, wanted))
    if (!hit) return undefined
    db.prepare('DELETE FROM tokens WHERE hash = ?').run(hit.hash)
    return {node: hit.node, purpose: hit.purpose}
  })
  return redeem.immediate()
}
