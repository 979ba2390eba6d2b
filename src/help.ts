import {Command, Help} from '@oclif/core'

const EXIT_CODES = `EXIT CODES
  0  ok
  1  operation failed (at least one node or host failed)
  2  bad input (usage, inventory, playbook, config); nothing was changed
  3  environment problem (missing dependency, permission, port in use)`

/** oclif help plus the exit-code table on every command and the root page. */
export default class BmpHelp extends Help {
  override formatCommand(command: Command.Loadable): string {
    return `${super.formatCommand(command)}\n\n${EXIT_CODES}`
  }

  override formatRoot(): string {
    return `${super.formatRoot()}\n\n${EXIT_CODES}`
  }
}
