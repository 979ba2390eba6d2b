import {createHash} from 'node:crypto'

/** OpenSSH public keys as the LiveOS reports them and SSH clients pin them. */

/** The key blob of an OpenSSH public key line. */
export function keyBlob(line: string): Buffer {
  const parts = line.trim().split(/\s+/)
  if (parts.length < 2) throw new Error(`not an OpenSSH public key line: ${JSON.stringify(line.slice(0, 40))}`)
  return Buffer.from(parts[1], 'base64')
}

/** OpenSSH-style fingerprint (`SHA256:…`, unpadded base64). */
export function fingerprint(blobOrLine: Buffer | string): string {
  const blob = typeof blobOrLine === 'string' ? keyBlob(blobOrLine) : blobOrLine
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')
}
