import { Command, Errors } from '@oclif/core'
import { ExitCode, type ExitCodeValue } from './exit-codes.js'
import { InvalidInputError, LastmileError, formatProblem } from './errors.js'
import { redactSecrets, scrubText } from '../secrets/redact.js'

/** The `--json` envelope every command prints on stdout. */
export interface Envelope<T> {
  status: ExitCodeValue
  result: T | null
  warnings: string[]
  error?: { code: string; message: string; hint?: string; details?: unknown }
}

/**
 * The one base class of every command (modelled on sf-plugins-core's SfCommand):
 * it owns `--json`, the envelope, warnings and the mapping from typed errors to
 * exit codes. Subclasses implement `execute()` (parse flags, call a service,
 * return plain data) and `display()` (the human view of that data).
 */
export abstract class BaseCommand<T> extends Command {
  static override enableJsonFlag = true

  private collectedWarnings: string[] = []
  private exitStatus: ExitCodeValue = ExitCode.Success

  protected abstract execute(): Promise<T>
  protected abstract display(result: T): string

  /**
   * Whether the user chose the inventory (--inventory/-i, or LASTMILE_INVENTORY) rather than
   * taking the default: under --lab, only the default gives way to the running lab's inventory.
   */
  protected inventoryGiven(): boolean {
    return this.argv.some((a) => a === '--inventory' || a === '-i' || a.startsWith('--inventory=')) || Boolean(process.env.LASTMILE_INVENTORY)
  }

  /** Set a non-zero exit status that still comes with a result (partial failure, abort). */
  protected setStatus(code: ExitCodeValue): void {
    this.exitStatus = code
  }

  /** Warnings go to stderr for people and into the envelope for machines. */
  override warn(input: string | Error): string | Error {
    const text = typeof input === 'string' ? input : input.message
    this.collectedWarnings.push(text)
    if (!this.jsonEnabled()) process.stderr.write(scrubText(`warning: ${text}\n`))
    return input
  }

  /** Human output, scrubbed of any secret value that reached it by mistake. */
  override log(message = '', ...args: unknown[]): void {
    super.log(scrubText(message), ...args)
  }

  async run(): Promise<T> {
    const result = await this.execute()
    if (!this.jsonEnabled()) {
      const text = this.display(result)
      if (text) this.log(text)
    }
    return result
  }

  protected override toSuccessJson(result: unknown): Envelope<unknown> {
    return redactSecrets({ status: this.exitStatus, result, warnings: this.collectedWarnings }) as Envelope<unknown>
  }

  protected override async finally(err: Error | undefined): Promise<void> {
    if (!err) process.exitCode = this.exitStatus
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<void> {
    const mapped = mapError(err)
    process.exitCode = mapped.status
    if (this.jsonEnabled()) {
      const envelope: Envelope<null> = {
        status: mapped.status,
        result: null,
        warnings: this.collectedWarnings,
        error: { code: mapped.code, message: mapped.message, ...(mapped.hint ? { hint: mapped.hint } : {}), ...(mapped.details === undefined ? {} : { details: mapped.details }) },
      }
      this.logJson(redactSecrets(envelope))
      return
    }
    process.stderr.write(scrubText(formatErrorForHumans(err, mapped)))
  }
}

interface MappedError {
  status: ExitCodeValue
  code: string
  message: string
  hint?: string
  details?: unknown
}

export function mapError(err: Error & { exitCode?: number; oclif?: { exit?: number } }): MappedError {
  if (err instanceof LastmileError) {
    return { status: err.exitCode, code: err.code, message: err.message, hint: err.hint, details: err.details }
  }
  // oclif flag/argument parse errors (unknown flag, missing value, bad option).
  if (err instanceof Errors.CLIError || err.oclif?.exit !== undefined) {
    const exit = err.oclif?.exit
    if (exit === 0) return { status: ExitCode.Success, code: 'exit', message: err.message }
    return { status: ExitCode.Usage, code: 'usage', message: err.message, hint: 'See `--help` for the flags this command takes.' }
  }
  return {
    status: ExitCode.Bug,
    code: 'bug',
    message: `unexpected error: ${err.message}`,
    hint: 'This is a bug in lastmile. Please report it with the command you ran and this output (set DEBUG=lastmile* for more).',
    details: err.stack,
  }
}

function formatErrorForHumans(err: Error, mapped: MappedError): string {
  const lines: string[] = []
  if (err instanceof InvalidInputError) {
    for (const p of err.problems) lines.push(formatProblem(p))
    lines.push('')
  }
  lines.push(`${mapped.status === ExitCode.Bug ? 'bug' : 'error'}: ${mapped.message}`)
  if (mapped.hint) lines.push(`hint: ${mapped.hint}`)
  if (mapped.status === ExitCode.Bug && typeof mapped.details === 'string' && process.env.DEBUG) lines.push(mapped.details)
  return lines.join('\n') + '\n'
}
