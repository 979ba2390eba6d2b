/** assert: fail unless every condition in `that` holds. */
import type {TaskModule} from './types.js'
import {condition} from '../runner/template.js'

interface P { that: unknown; fail_msg?: unknown; success_msg?: unknown; quiet: boolean }

const text = (v: unknown) => (v === undefined || typeof v === 'string' ? v : JSON.stringify(v))

const assertModule: TaskModule<P> = {
  name: 'assert',
  description: 'Fail unless the given expressions are true',
  params: {
    that: {type: 'raw', required: true, description: 'a condition or a list of them (bare Jinja2 expressions)'},
    fail_msg: {type: 'raw', aliases: ['msg'], description: 'message on failure'},
    success_msg: {type: 'raw', description: 'message on success'},
    quiet: {type: 'bool', default: false, description: 'shorter output on success'},
  },
  supportsCheckMode: true,
  async run({params, vars}) {
    // A single string is one condition (never comma-split: conditions contain commas).
    for (const cond of Array.isArray(params.that) ? params.that : [params.that]) {
      if (!condition(cond, vars)) {
        return {changed: false, failed: true, assertion: cond, evaluated_to: false, msg: text(params.fail_msg) ?? 'Assertion failed'}
      }
    }
    return {changed: false, msg: text(params.success_msg) ?? 'All assertions passed'}
  },
}
export default assertModule
