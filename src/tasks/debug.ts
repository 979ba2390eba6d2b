/** debug: print a message or a variable (never fails, never changes). */
import type {TaskModule, TaskResult} from './types.js'
import {evaluate, isUndef} from '../runner/template.js'

const debug: TaskModule<{msg?: unknown; var?: string; verbosity: number}> = {
  name: 'debug',
  description: 'Print a message or the value of a variable',
  params: {
    msg: {type: 'raw', description: 'message to print (default "Hello world!")'},
    var: {type: 'str', description: 'variable or expression to print'},
    verbosity: {type: 'int', default: 0, description: 'accepted for compatibility'},
  },
  supportsCheckMode: true,
  async run({params, vars}) {
    if (params.var !== undefined && params.msg !== undefined) return {changed: false, failed: true, msg: 'parameters are mutually exclusive: msg|var'}
    // Like Ansible, msg keeps its type (a list prints as a list).
    if (params.var === undefined) return {changed: false, msg: params.msg ?? 'Hello world!'} as TaskResult
    let value: unknown
    try {
      value = evaluate(params.var, vars)
    } catch (e) {
      if ((e as Error).name !== 'UndefinedVariableError') throw e
      value = 'VARIABLE IS NOT DEFINED!'
    }
    return {changed: false, [params.var]: isUndef(value) ? 'VARIABLE IS NOT DEFINED!' : value}
  },
}
export default debug
