/** fail: fail the host with a message (usually under `when`). */
import type {TaskModule} from './types.js'

const fail: TaskModule<{msg: unknown}> = {
  name: 'fail',
  description: 'Fail with a custom message',
  params: {msg: {type: 'raw', default: 'Failed as requested from task', description: 'message'}},
  supportsCheckMode: true,
  async run({params}) {
    return {changed: false, failed: true, msg: typeof params.msg === 'string' ? params.msg : JSON.stringify(params.msg)}
  },
}
export default fail
