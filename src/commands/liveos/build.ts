import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {layout, loadConfig} from '../../config/config.js'
import {createLogger} from '../../log.js'
import {buildLiveOsInto} from '../../services/liveos.js'

export default class LiveosBuild extends BaseCommand<typeof LiveosBuild> {
  static override description = 'Build (or reuse) the LiveOS kernel + initramfs nodes PXE-boot into'
  static override examples = ['<%= config.bin %> liveos build', '<%= config.bin %> liveos build --force']
  static override flags = {
    force: Flags.boolean({description: 'rebuild even when an identical build is cached'}),
  }

  async run(): Promise<Record<string, unknown>> {
    const lay = layout(this.dataDir, await loadConfig(this.dataDir))
    const log = createLogger({level: this.flags.verbose ? 'info' : 'warn', format: 'text'})
    const b = await buildLiveOsInto({liveosDir: lay.liveosDir, dataDir: this.dataDir}, {force: this.flags.force, log})
    this.note(`${b.changed ? (b.reused ? 'installed' : 'built') : 'unchanged'}: ${b.initrd} (${(b.sizeBytes / 1024 / 1024).toFixed(1)} MiB, sha256 ${b.sha256.slice(0, 16)}…, kernel ${b.kernelVersion})`)
    return {kernel: b.kernel, initrd: b.initrd, sha256: b.sha256, sizeBytes: b.sizeBytes, kernelVersion: b.kernelVersion, reused: b.reused, changed: b.changed}
  }
}
