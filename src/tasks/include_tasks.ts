/** include_tasks: run a task file (relative to the playbook) for this host; the runner does the running. */
import type {TaskModule} from './types.js'

const includeTasks: TaskModule<{file: string}> = {
  name: 'include_tasks',
  description: 'Include a task file dynamically',
  params: {file: {type: 'path', required: true, description: 'task file, relative to the playbook directory'}},
  freeForm: 'file',
  supportsCheckMode: true,
  async run(ctx) {
    if (!ctx.includeTasks) throw new Error('include_tasks needs the playbook runner')
    return ctx.includeTasks(ctx.params.file, {})
  },
}
export default includeTasks
