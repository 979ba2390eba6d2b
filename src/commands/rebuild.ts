import {Args, Flags} from '@oclif/core'
import {NodeActionCommand} from '../action-command.js'
import {confirmOnTty} from '../services/confirm.js'

export default class Rebuild extends NodeActionCommand<typeof Rebuild> {
  static override description = `Deploy again over nodes, active ones included — destroys the data on their disks

Like \`bmpctl deploy\`, but also takes nodes in "active". Asks for confirmation on a terminal; elsewhere --yes is required.`
  static override examples = [
    '<%= config.bin %> rebuild node01',
    '<%= config.bin %> rebuild compute --yes --image http://192.0.2.1:8080/images/debian12.raw.xz',
  ]
  // Own static (oclif reads it off the class, inherited statics are not seen): patterns are variadic.
  static override strict = false
  static override args = {patterns: Args.string({description: 'host patterns over enrolled nodes and their groups', required: true})}
  static override flags = {
    ...NodeActionCommand.sharedFlags,
    yes: Flags.boolean({char: 'y', description: 'do not ask: the data on these nodes may be destroyed'}),
    image: Flags.string({description: 'image URL (overrides the nodes\' image.url)'}),
    checksum: Flags.string({description: 'image checksum: sha256:HEX, sha512:HEX, or a checksums-file URL'}),
  }

  async run(): Promise<undefined> {
    const {yes, image, checksum} = this.flags
    return this.runNodeAction('rebuild', {image, checksum, confirm: yes ? undefined : confirmOnTty('rebuild')})
  }
}
