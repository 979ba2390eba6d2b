/** pause: wait a number of seconds or minutes (non-interactive: no prompt is read). */
import type {TaskModule} from './types.js'
import {sleep} from '../runner/sync.js'
import type {ModuleHints} from '../runner/types.js'

interface P { seconds?: number; minutes?: number; prompt?: string; echo: boolean }

// One pause for the whole batch, not one per host (Ansible bypasses the host loop).
const pause: TaskModule<P> & ModuleHints = {
  bypassHostLoop: true,
  name: 'pause',
  description: 'Pause for a while',
  params: {
    seconds: {type: 'float', description: 'seconds to wait'},
    minutes: {type: 'float', description: 'minutes to wait'},
    prompt: {type: 'str', description: 'shown, but never read (runs are non-interactive)'},
    echo: {type: 'bool', default: true, description: 'accepted for compatibility'},
  },
  supportsCheckMode: true,
  async run({params, signal, log}) {
    const secs = (params.seconds ?? 0) + (params.minutes ?? 0) * 60
    if (params.prompt) log.info(params.prompt)
    const start = Date.now()
    await sleep(secs * 1000, signal)
    const delta = (Date.now() - start) / 1000
    return {changed: false, delta, start: new Date(start).toISOString(), stop: new Date().toISOString(), stdout: `Paused for ${Math.round(secs * 100) / 100} seconds`, user_input: ''}
  },
}
export default pause
