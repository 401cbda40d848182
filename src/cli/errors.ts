import { ExitCode, type ExitCodeValue } from './exit-codes.js'

/** Where in an input file a problem is. Lines and columns are 1-based. */
export interface SourcePosition {
  file: string
  line: number
  col: number
}

/** One problem found in user input; many are reported together. */
export interface InputProblem {
  message: string
  /** dotted field path, e.g. `stations[3].wifi.staff.ssid` */
  field?: string
  position?: SourcePosition
  station?: string
  severity: 'error' | 'warning'
}

/**
 * Base of every error lastmile expects. It carries the exit code and a hint
 * that says what to do; the base command is the only place that turns it into
 * output and an exit code.
 */
export class LastmileError extends Error {
  readonly exitCode: ExitCodeValue
  readonly code: string
  readonly hint: string | undefined
  readonly details: unknown

  constructor(
    message: string,
    opts: { exitCode: ExitCodeValue; code: string; hint?: string; details?: unknown; cause?: unknown },
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = new.target.name
    this.exitCode = opts.exitCode
    this.code = opts.code
    this.hint = opts.hint
    this.details = opts.details
  }
}

export class UsageError extends LastmileError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.Usage, code: 'usage', hint })
  }
}

/** Inventory, template, secret or scope problems: exit 3, with every problem listed. */
export class InvalidInputError extends LastmileError {
  readonly problems: InputProblem[]
  constructor(message: string, problems: InputProblem[], hint?: string) {
    super(message, { exitCode: ExitCode.InvalidInput, code: 'invalid-input', hint, details: problems })
    this.problems = problems
  }
}

export class MissingDependencyError extends LastmileError {
  constructor(message: string, hint: string) {
    super(message, { exitCode: ExitCode.MissingDependency, code: 'missing-dependency', hint })
  }
}

export class LockedError extends LastmileError {
  constructor(message: string, hint: string, details?: unknown) {
    super(message, { exitCode: ExitCode.Locked, code: 'locked', hint, details })
  }
}

export function formatPosition(p: SourcePosition | undefined): string {
  return p ? `${p.file}:${p.line}:${p.col}` : ''
}

/** One line per problem: `file:line:col  field  message`, the way compilers print them. */
export function formatProblem(p: InputProblem): string {
  const where = [formatPosition(p.position), p.station ? `station ${p.station}` : '', p.field ?? '']
    .filter(Boolean)
    .join('  ')
  return `${p.severity === 'error' ? 'error' : 'warning'}  ${where ? where + '  ' : ''}${p.message}`
}
