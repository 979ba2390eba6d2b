/** set_fact: set host variables that live for the rest of the run (above play vars, below extra vars). */
import type {TaskModule} from './types.js'

const setFact: TaskModule<Record<string, unknown>> = {
  name: 'set_fact',
  description: 'Set host facts from key/value pairs',
  // '*' accepts any other key: every key is a fact name.
  params: {
    cacheable: {type: 'bool', default: false, description: 'accepted for compatibility (no fact cache)'},
    '*': {type: 'raw', description: 'fact name → value'},
  },
  supportsCheckMode: true,
  async run({params}) {
    const {cacheable: _cacheable, ...facts} = params
    if (!Object.keys(facts).length) return {changed: false, failed: true, msg: 'No key/value pairs provided, at least one is required for this action to succeed'}
    for (const k of Object.keys(facts)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) return {changed: false, failed: true, msg: `The variable name '${k}' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores.`}
    }
    return {changed: false, facts, ansible_facts: facts}
  },
}
export default setFact
