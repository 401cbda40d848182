import { Help, type Command } from '@oclif/core'
import { formatExitCodeTable } from './exit-codes.js'

/** oclif help with the exit-code table appended, so `--help` documents the contract CI relies on. */
export default class LastmileHelp extends Help {
  override formatRoot(): string {
    return `${super.formatRoot()}\n\n${this.section('EXIT CODES', formatExitCodeTable())}`
  }

  override formatCommand(command: Command.Loadable): string {
    return `${super.formatCommand(command)}\n\n${this.section('EXIT CODES', formatExitCodeTable())}`
  }
}
