/**
 * Spreadsheet-style inventory (one row per machine, as data centres keep them): a header
 * row, then one node per row. Empty cells mean "absent".
 */
import {parse} from 'csv-parse/sync'
import type {SourcePos} from '../errors.js'
import type {BmcSpec, NodeSpec} from './model.js'
import * as f from './fields.js'
import type {Problems} from './positions.js'
import {didYouMean} from './suggest.js'
import {checkCredentials, type Draft} from './validate.js'
import type {ParsedInventory} from './bmpctl.js'

const COLUMNS = [
  'name', 'uuid', 'bmc_driver', 'bmc_address', 'bmc_port', 'bmc_username', 'bmc_password', 'bmc_password_env',
  'bmc_password_file', 'mac', 'ipv4', 'netmask', 'gateway', 'dns', 'hostname', 'image_url', 'image_checksum',
  'groups', 'sn', 'cabinet', 'u_position', 'description',
]
/** Columns that land in node properties (asset data from the import sheet). */
const PROPERTY_COLUMNS = ['sn', 'cabinet', 'u_position', 'description']
const NUMBERED_MAC = /^mac(\d+)$/

interface Row {
  line: number
  cells: Map<string, {value: string; col: number}>
}

/** True when the first non-blank line looks like a CSV header naming known columns. */
export function looksLikeCsvHeader(text: string): boolean {
  const first = text.split(/\r?\n/).find((l) => l.trim() && !l.trim().startsWith('#'))
  if (!first || !first.includes(',') || /[:{}[\]]/.test(first)) return false
  const cols = first.split(',').map(normalizeHeader)
  return cols.includes('name') && cols.every((c) => /^[a-z0-9_]*$/.test(c))
}

function normalizeHeader(h: string): string {
  return h.trim().toLowerCase().replace(/[\s-]+/g, '_')
}

export function parseCsv(file: string, text: string, p: Problems): ParsedInventory {
  const empty: ParsedInventory = {nodes: [], groups: new Map(), groupRefs: new Map(), vars: {}}
  let records: {record: string[]; info: {lines: number}}[]
  try {
    records = parse(text, {info: true, relax_column_count: true, skip_empty_lines: true, comment: '#', trim: true, bom: true})
  } catch (err) {
    const e = err as Error & {lines?: number}
    p.add(undefined, {file, line: e.lines ?? 1, col: 1}, `CSV syntax error: ${e.message}`, 'check quoting: a field with a comma or line break must be wrapped in "…"')
    return empty
  }
  if (!records.length) {
    p.add(undefined, {file, line: 1, col: 1}, 'CSV inventory is empty', 'start with a header row such as: name,bmc_address,bmc_username,bmc_password,mac')
    return empty
  }
  const header = readHeader(file, records[0], p)
  if (!header) return empty
  const rows = records.slice(1).map((r) => toRow(file, r, header, p))
  return {...empty, nodes: rows.map((r) => readRow(file, r, p))}
}

function readHeader(file: string, rec: {record: string[]; info: {lines: number}}, p: Problems): string[] | undefined {
  const names = rec.record.map(normalizeHeader)
  const at = (i: number): SourcePos => ({file, line: rec.info.lines, col: i + 1})
  names.forEach((n, i) => {
    if (!COLUMNS.includes(n) && !NUMBERED_MAC.test(n)) p.add(`header.${n || `column ${i + 1}`}`, at(i), `unknown column "${rec.record[i]}"`, didYouMean(n, COLUMNS))
    else if (names.indexOf(n) !== i) p.add(`header.${n}`, at(i), `duplicate column "${n}"`, 'each column may appear once')
  })
  if (!names.includes('name')) {
    p.add('header', at(0), 'CSV header has no "name" column', 'the first row must name the columns, including name')
    return undefined
  }
  return names
}

function toRow(file: string, rec: {record: string[]; info: {lines: number}}, header: string[], p: Problems): Row {
  const cells = new Map<string, {value: string; col: number}>()
  rec.record.forEach((value, i) => {
    if (i >= header.length) {
      if (value) p.add(`row ${rec.info.lines}`, {file, line: rec.info.lines, col: i + 1}, `row has more cells than the header (${header.length})`, 'add a header for this column or remove the extra cell')
    } else if (value !== '') cells.set(header[i], {value, col: i + 1})
  })
  return {line: rec.info.lines, cells}
}

function readRow(file: string, row: Row, p: Problems): Draft {
  const name = row.cells.get('name')?.value ?? ''
  const base = `nodes.${name || `row ${row.line}`}`
  const ref = (col: string): f.Ref => ({path: `${base}.${col}`, pos: {file, line: row.line, col: row.cells.get(col)?.col ?? 1}})
  const cell = (col: string) => row.cells.get(col)?.value
  if (!name) p.add(`${base}.name`, {file, line: row.line, col: 1}, 'row has no name', 'every row needs a node name')
  const macs: f.Ref[] = []
  const spec: NodeSpec = {
    name,
    bmc: readBmc(row, ref, cell, p),
    nics: readMacs(row, ref, p, macs),
    properties: Object.fromEntries(PROPERTY_COLUMNS.filter(cell).map((c) => [c, cell(c)])),
    network: {},
    sshKeys: [],
    groups: splitList(cell('groups')),
    vars: {},
    pos: {file, line: row.line, col: 1},
  }
  const uuid = f.readUuid(p, ref('uuid'), cell('uuid'))
  if (uuid) spec.uuid = uuid
  const hostname = f.readHostname(p, ref('hostname'), cell('hostname'))
  if (hostname) spec.network.hostname = hostname
  if (cell('ipv4')) {
    const mask = cell('netmask') ? {value: cell('netmask')!, ref: ref('netmask')} : undefined
    const address = f.readCidr(p, ref('ipv4'), cell('ipv4'), mask)
    const gateway = cell('gateway') ? f.readIpv4(p, ref('gateway'), cell('gateway')) : undefined
    const dns = f.readIpv4List(p, ref('dns'), splitList(cell('dns')))
    if (address) spec.network.ipv4 = gateway ? {address, gateway, dns} : {address, dns}
  } else {
    for (const c of ['netmask', 'gateway', 'dns']) if (cell(c)) p.add(ref(c).path, ref(c).pos, `${c} given without ipv4`, 'fill the ipv4 column too, or leave this cell empty')
  }
  if (cell('image_url')) spec.image = {url: cell('image_url')!, ...(cell('image_checksum') ? {checksum: cell('image_checksum')} : {})}
  return {spec, name: ref('name'), macs, bmcAddress: row.cells.has('bmc_address') ? ref('bmc_address') : undefined}
}

function readBmc(row: Row, ref: (c: string) => f.Ref, cell: (c: string) => string | undefined, p: Problems): BmcSpec {
  const driver = cell('bmc_driver') ? f.readDriver(p, ref('bmc_driver'), cell('bmc_driver')) : 'ipmi'
  const bmc: BmcSpec = {driver: driver ?? 'ipmi', address: ''}
  if (cell('bmc_address')) {
    const url = f.readBmcUrl(p, ref('bmc_address'), cell('bmc_address'))
    bmc.address = url.address ?? ''
    if (url.scheme) bmc.scheme = url.scheme
    if (url.port) bmc.port = url.port
  } else if (bmc.driver !== 'fake') {
    p.add(ref('bmc_address').path, ref('bmc_address').pos, 'missing BMC address', 'fill the bmc_address column')
  }
  if (cell('bmc_port')) bmc.port = f.readPort(p, ref('bmc_port'), cell('bmc_port'))
  if (cell('bmc_username')) bmc.username = cell('bmc_username')
  const sources = ['bmc_password', 'bmc_password_env', 'bmc_password_file'].filter(cell)
  if (sources.length > 1) {
    p.add(ref(sources[1]).path, ref(sources[1]).pos, `more than one password source (${sources.join(', ')})`, 'fill exactly one of bmc_password, bmc_password_env, bmc_password_file')
  } else if (sources[0] === 'bmc_password') bmc.password = {value: cell('bmc_password')!}
  else if (sources[0] === 'bmc_password_env') bmc.password = {env: cell('bmc_password_env')!}
  else if (sources[0] === 'bmc_password_file') bmc.password = {file: cell('bmc_password_file')!}
  if (bmc.port === undefined) delete bmc.port
  const where = {path: ref('bmc_username').path, pos: {...ref('name').pos!, col: 1}}
  const hint = 'fill bmc_username and one of bmc_password, bmc_password_env, bmc_password_file'
  if (sources.length <= 1) checkCredentials(p, bmc, {username: row.cells.has('bmc_username') ? ref('bmc_username') : where, password: {...where, path: ref('bmc_password').path}, hint})
  return bmc
}

/** `mac` (several separated by ';') and/or mac1, mac2 … in column order. */
function readMacs(row: Row, ref: (c: string) => f.Ref, p: Problems, refs: f.Ref[]): {mac: string}[] {
  const cols = [...row.cells.keys()].filter((c) => c === 'mac' || NUMBERED_MAC.test(c))
  const out: {mac: string}[] = []
  for (const c of cols) {
    for (const raw of splitList(row.cells.get(c)!.value)) {
      const mac = f.readMac(p, ref(c), raw)
      if (mac && !out.some((o) => o.mac === mac)) {
        out.push({mac})
        refs.push(ref(c))
      }
    }
  }
  return out
}

function splitList(s: string | undefined): string[] {
  return (s ?? '').split(';').map((x) => x.trim()).filter(Boolean)
}
