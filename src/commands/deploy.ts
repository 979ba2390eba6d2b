import {Args, Flags} from '@oclif/core'
import {NodeActionCommand} from '../action-command.js'

export default class Deploy extends NodeActionCommand<typeof Deploy> {
  static override description = `Install an OS image on enrolled nodes (PXE → LiveOS → image → boot from disk)

Runs playbooks/deploy.yaml (strategy free) over the nodes matching the patterns (all when none), each in "available" or "deploy-failed". A node left "deploying" by a run that died is moved to "deploy-failed" first. Live progress per node; a table at the end; exit 1 when any node failed. Ctrl-C cancels: nodes are rescued or marked deploy-failed "cancelled".`
  static override examples = [
    '<%= config.bin %> deploy node01 --image http://192.0.2.1:8080/images/debian12.raw.xz --checksum sha256:…',
    '<%= config.bin %> deploy compute -i inventory.yaml --forks 20 --timeout 45m',
    '<%= config.bin %> deploy "rack1:!node-3" --json | jq -c \'select(.type == "summary")\'',
  ]
  // Own static (oclif reads it off the class, inherited statics are not seen): patterns are variadic.
  static override strict = false
  static override args = {patterns: Args.string({description: 'host patterns over enrolled nodes and their groups (default: all)'})}
  static override flags = {
    ...NodeActionCommand.sharedFlags,
    inventory: Flags.string({char: 'i', description: 'enroll/update the nodes of this inventory first'}),
    image: Flags.string({description: 'image URL (overrides the nodes\' image.url)'}),
    checksum: Flags.string({description: 'image checksum: sha256:HEX, sha512:HEX, or a checksums-file URL'}),
    serial: Flags.integer({description: 'deploy in batches of this many nodes', min: 1}),
  }

  async run(): Promise<undefined> {
    const {inventory, image, checksum, serial} = this.flags
    return this.runNodeAction('deploy', {inventory, image, checksum, serial})
  }
}
