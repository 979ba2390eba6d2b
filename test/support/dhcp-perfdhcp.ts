/** Runs Kea's perfdhcp inside a namespace and reads its report. */
import {nsSpawn} from './netns.js'

export interface ExchangeStats {
  sent: number
  received: number
  drops: number
}

export interface PerfdhcpReport {
  code: number | null
  output: string
  discoverOffer?: ExchangeStats
  requestAck?: ExchangeStats
  /** Achieved 4-way exchanges per second, as perfdhcp reports it. */
  rate?: number
}

function section(output: string, name: string): ExchangeStats | undefined {
  const start = output.indexOf(`***Statistics for: ${name}***`)
  if (start === -1) return undefined
  const text = output.slice(start, start + 600)
  const num = (label: string) => Number(new RegExp(`${label}: (\\d+)`).exec(text)?.[1] ?? NaN)
  return {sent: num('sent packets'), received: num('received packets'), drops: num('drops')}
}

export function parsePerfdhcp(output: string, code: number | null): PerfdhcpReport {
  const rate = /Rate: ([\d.]+) 4-way exchanges\/second/.exec(output)
  return {
    code, output,
    discoverOffer: section(output, 'DISCOVER-OFFER'),
    requestAck: section(output, 'REQUEST-ACK'),
    rate: rate ? Number(rate[1]) : undefined,
  }
}

export async function runPerfdhcp(ns: string, args: string[], timeoutMs = 120_000): Promise<PerfdhcpReport> {
  const child = nsSpawn(ns, ['perfdhcp', '-4', ...args])
  let output = ''
  child.stdout?.on('data', (d: Buffer) => { output += d.toString() })
  child.stderr?.on('data', (d: Buffer) => { output += d.toString() })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const code = await new Promise<number | null>((res) => child.once('exit', res))
  clearTimeout(timer)
  return parsePerfdhcp(output, code)
}
