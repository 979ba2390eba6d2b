/**
 * Image checksums as operators write them: `sha256:<hex>`, `sha512:<hex>`, bare hex (the
 * length tells the algorithm), or a URL of a checksums file (`sha256sum` / BSD style).
 */
export type ChecksumAlgo = 'sha256' | 'sha512'

export interface Checksum {
  algo: ChecksumAlgo
  hex: string
}

export type ChecksumSpec = {kind: 'digest'; checksum: Checksum} | {kind: 'url'; url: string}

const HEX_LEN: Record<number, ChecksumAlgo> = {64: 'sha256', 128: 'sha512'}

/** Parses an inventory/flag checksum; throws an Error with the reason when malformed. */
export function parseChecksumSpec(input: string): ChecksumSpec {
  const s = input.trim()
  if (/^(https?|file):\/\//i.test(s)) return {kind: 'url', url: s}
  const m = /^(?:(sha256|sha512)[:=])?([0-9a-fA-F]+)$/i.exec(s)
  if (!m) throw new Error(`checksum ${JSON.stringify(input)} is not sha256:<hex>, sha512:<hex>, bare hex or a URL`)
  const hex = m[2].toLowerCase()
  const byLen = HEX_LEN[hex.length]
  const algo = (m[1]?.toLowerCase() as ChecksumAlgo | undefined) ?? byLen
  if (!algo || byLen !== algo) {
    throw new Error(`checksum ${JSON.stringify(input)}: ${hex.length} hex digits fit no supported algorithm (sha256 = 64, sha512 = 128)`)
  }
  return {kind: 'digest', checksum: {algo, hex}}
}

/**
 * Finds the entry for `fileName` in a checksums file. Accepts GNU lines
 * (`<hex>  name`, `<hex> *name`) and BSD lines (`SHA256 (name) = <hex>`).
 */
export function findInChecksumsFile(text: string, fileName: string): Checksum | undefined {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const bsd = /^(SHA256|SHA512)\s*\((.+)\)\s*=\s*([0-9a-fA-F]+)$/i.exec(line)
    if (bsd) {
      if (baseName(bsd[2]) === fileName) return digest(bsd[3], bsd[1].toLowerCase() as ChecksumAlgo)
      continue
    }
    const gnu = /^([0-9a-fA-F]+)\s+\*?(.+)$/.exec(line)
    if (gnu && baseName(gnu[2]) === fileName) return digest(gnu[1])
  }
  return undefined
}

function baseName(p: string): string {
  return p.trim().replace(/^\.\//, '').split('/').pop() ?? p
}

function digest(hex: string, algo?: ChecksumAlgo): Checksum | undefined {
  const h = hex.toLowerCase()
  const byLen = HEX_LEN[h.length]
  if (!byLen || (algo && algo !== byLen)) return undefined
  return {algo: byLen, hex: h}
}

/** The file name part of an image URL, for looking it up in a checksums file. */
export function imageFileName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '')
}

export function formatChecksum(c: Checksum): string {
  return `${c.algo}:${c.hex}`
}
