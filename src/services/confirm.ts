/** Confirmation before destroying data: a prompt on a terminal, --yes everywhere else. */
import {createInterface} from 'node:readline/promises'
import {InputError, OperationError} from '../errors.js'

export type Confirm = (nodes: string[]) => Promise<void>

/** Asks on stderr/stdin when both are terminals; elsewhere refuses (exit 2) and names --yes. */
export function confirmOnTty(action: string, io: {input?: NodeJS.ReadableStream & {isTTY?: boolean}; output?: NodeJS.WritableStream} = {}): Confirm {
  const input = io.input ?? process.stdin
  const output = io.output ?? process.stderr
  return async (nodes) => {
    const list = nodes.join(', ')
    if (!input.isTTY) {
      throw new InputError(`${action} destroys the data on ${list}; not confirmed`, [], 'pass --yes to confirm without a terminal')
    }
    const rl = createInterface({input, output})
    try {
      const answer = await rl.question(`${action} will destroy the data on ${nodes.length} node${nodes.length > 1 ? 's' : ''}: ${list}\ntype "yes" to continue: `)
      if (answer.trim().toLowerCase() !== 'yes') throw new OperationError(`${action} not confirmed; nothing was changed`)
    } finally {
      rl.close()
    }
  }
}
