/**
 * The LiveOS callback body (written by agent/facts.sh): what the ramdisk learned about the
 * machine, the address bmpctl should SSH to and the host key to pin.
 */
export interface LiveOsDisk {
  name: string
  sizeBytes: number | null
  model: string | null
  serial: string | null
  wwn: string | null
  rotational: boolean
}

export interface LiveOsNic {
  name: string
  mac: string | null
  speedMbps: number | null
  carrier: boolean | null
  ip: string | null
}

export interface LiveOsFacts {
  schema: 1
  kernel: string
  /** Source address the LiveOS used to reach the callback URL: where to SSH. */
  ip: string | null
  macs: string[]
  /** OpenSSH public key lines (`ssh-ed25519 AAAA…`) of the LiveOS sshd. */
  hostKeys: string[]
  cpu: {model: string | null; count: number | null}
  memoryMiB: number | null
  disks: LiveOsDisk[]
  nics: LiveOsNic[]
  dmi: {vendor: string | null; product: string | null; serial: string | null; uuid: string | null}
  bootMode: 'bios' | 'uefi'
}

type Check = (v: unknown) => boolean
const str: Check = (v) => typeof v === 'string'
const strOrNull: Check = (v) => v === null || typeof v === 'string'
const numOrNull: Check = (v) => v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0)
const boolOrNull: Check = (v) => v === null || typeof v === 'boolean'
const arrayOf = (c: Check): Check => (v) => Array.isArray(v) && v.every(c)
const obj = (shape: Record<string, Check>): Check => (v) => objectProblems(v, shape, '').length === 0

const DISK = {name: str, sizeBytes: numOrNull, model: strOrNull, serial: strOrNull, wwn: strOrNull, rotational: (v: unknown) => typeof v === 'boolean'}
const NIC = {name: str, mac: strOrNull, speedMbps: numOrNull, carrier: boolOrNull, ip: strOrNull}
const FACTS: Record<string, Check> = {
  schema: (v) => v === 1,
  kernel: str,
  ip: strOrNull,
  macs: arrayOf(str),
  hostKeys: arrayOf((v) => typeof v === 'string' && /^[a-z0-9@.-]+ [A-Za-z0-9+/=]+$/.test(v)),
  cpu: obj({model: strOrNull, count: numOrNull}),
  memoryMiB: numOrNull,
  disks: arrayOf(obj(DISK)),
  nics: arrayOf(obj(NIC)),
  dmi: obj({vendor: strOrNull, product: strOrNull, serial: strOrNull, uuid: strOrNull}),
  bootMode: (v) => v === 'bios' || v === 'uefi',
}

function objectProblems(v: unknown, shape: Record<string, Check>, prefix: string): string[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [`${prefix || 'body'}: expected an object`]
  const rec = v as Record<string, unknown>
  return Object.entries(shape).filter(([k, check]) => !check(rec[k])).map(([k]) => `${prefix}${k}: missing or wrong type`)
}

/** Validates a callback body; throws listing every bad field. */
export function parseLiveOsFacts(body: string | unknown): LiveOsFacts {
  let value: unknown = body
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body)
    } catch (err) {
      throw new Error(`LiveOS facts are not JSON: ${(err as Error).message}`)
    }
  }
  const problems = objectProblems(value, FACTS, '')
  if (problems.length) throw new Error(`LiveOS facts invalid: ${problems.join('; ')}`)
  const facts = value as LiveOsFacts
  facts.macs = facts.macs.map((m) => m.toLowerCase())
  return facts
}
