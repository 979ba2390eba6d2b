import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {ExitCode, InputError} from '../errors.js'
import {closeAllIpmiSessions} from '../protocols/ipmi/pool.js'
import type {BootResult} from '../services/bmc.js'
import {bootNodes, durationFlag, formatBootTable} from '../services/bmc-targets.js'

const DEVICES = ['pxe', 'disk', 'cdrom', 'bios'] as const

export default class BootDevice extends BaseCommand<typeof BootDevice> {
  static override description = `Get or set the boot device override of enrolled nodes

"set" reads the setting back and warns when the BMC did not keep it (some BMCs drop the persistent or UEFI bit, or ignore overrides).`
  static override examples = [
    '<%= config.bin %> boot-device get all',
    '<%= config.bin %> boot-device set pxe compute',
    '<%= config.bin %> boot-device set disk node-1 --persistent --uefi',
  ]
  static override strict = false
  static override usage = ['boot-device get NODE_PATTERN...', 'boot-device set pxe|disk|cdrom|bios NODE_PATTERN... [--persistent] [--uefi]']
  static override args = {
    op: Args.string({description: 'get or set', required: true, options: ['get', 'set']}),
    rest: Args.string({description: 'for set: DEVICE (pxe, disk, cdrom, bios), then host patterns', required: true}),
  }
  static override flags = {
    persistent: Flags.boolean({description: 'set: keep for every boot, not just the next'}),
    uefi: Flags.boolean({description: 'set: boot in UEFI mode (else legacy BIOS)'}),
    forks: Flags.integer({char: 'f', description: 'nodes worked on at once', default: 10, min: 1}),
    'bmc-timeout': Flags.string({description: 'budget per BMC call and provider', default: '30s'}),
  }

  async run(): Promise<BootResult[]> {
    const {argv} = await this.parse(this.ctor)
    const words = (argv as string[]).slice(1)
    const op = this.args.op === 'get' ? 'get' as const : {set: {device: this.device(words.shift()), persistent: Boolean(this.flags.persistent), uefi: Boolean(this.flags.uefi)}}
    if (!words.length) throw new InputError('missing NODE_PATTERN', [], 'e.g. `bmpctl boot-device set pxe node-1`')
    let run
    try {
      run = await bootNodes(this.dataDir, words, op, {
        forks: this.flags.forks, timeoutMs: durationFlag('bmc-timeout', this.flags['bmc-timeout']),
        onEvent: (e) => { if (e.type === 'attempt') this.debugLine(`${e.node}: ${e.provider} ${e.capability} ${e.ok ? 'ok' : `failed: ${e.error}`}`) },
      })
    } finally {
      await closeAllIpmiSessions()
    }
    for (const w of run.warnings) process.stderr.write(`warning: ${w}\n`)
    for (const r of run.results) if (r.warning) process.stderr.write(`warning: ${r.node}: ${r.warning}\n`)
    if (!this.json) this.log(formatBootTable(run.results, this.flags.verbose))
    if (run.results.some((r) => !r.ok)) process.exitCode = ExitCode.OperationFailed
    return run.results
  }

  private device(word: string | undefined): (typeof DEVICES)[number] {
    if (word && (DEVICES as readonly string[]).includes(word)) return word as (typeof DEVICES)[number]
    throw new InputError(`boot-device set: ${word === undefined ? 'missing DEVICE' : `unknown device "${word}"`}`, [], `DEVICE is one of: ${DEVICES.join(', ')}`)
  }
}
