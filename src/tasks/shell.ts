/** shell: run a command line through /bin/sh (pipes, redirects, globbing) on the control host. */
import type {TaskModule} from './types.js'
import {commonParams, execute, precheck, type CommandParams} from './command.js'

const shell: TaskModule<CommandParams> = {
  name: 'shell',
  description: 'Run a shell command line on the control host',
  params: {
    cmd: {type: 'str', aliases: ['_raw_params'], required: true, description: 'shell command line'},
    executable: {type: 'path', default: '/bin/sh', description: 'shell to use'},
    ...commonParams,
  },
  freeForm: 'cmd',
  supportsCheckMode: false,
  async run(ctx) {
    const p = ctx.params
    return precheck(p, p.cmd!) ?? execute(ctx, p.executable ?? '/bin/sh', ['-c', p.cmd!], p.cmd)
  },
}
export default shell
