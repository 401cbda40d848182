/**
 * The exit codes of every lastmile command. CI scripts switch on these, so they
 * are a public contract: documented in `--help` and in the README, never reused.
 */
export const ExitCode = {
  Success: 0,
  Bug: 1,
  Usage: 2,
  InvalidInput: 3,
  PartialFailure: 4,
  Aborted: 5,
  MissingDependency: 6,
  Locked: 7,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export const exitCodeTable: ReadonlyArray<{ code: ExitCodeValue; meaning: string }> = [
  { code: 0, meaning: 'success: everything asked for was done (or nothing needed doing)' },
  { code: 1, meaning: 'a bug in lastmile: please report it with the output of the command' },
  { code: 2, meaning: 'usage: unknown command, flag or argument' },
  { code: 3, meaning: 'invalid input: inventory, templates, secrets, or a scope you may not touch' },
  { code: 4, meaning: 'partial failure: some stations failed, were rolled back or were unreachable' },
  { code: 5, meaning: 'rollout aborted by a failure threshold (see the report for which wave)' },
  { code: 6, meaning: 'missing dependency: a program lastmile needs is not installed (e.g. pulumi)' },
  { code: 7, meaning: 'locked: another rollout holds the lock on these stations' },
]

export function formatExitCodeTable(): string {
  return exitCodeTable.map((row) => `  ${String(row.code).padEnd(3)}${row.meaning}`).join('\n')
}
