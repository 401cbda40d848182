import { UsageError } from '../cli/errors.js'

/**
 * Under `--lab`, the stations a push can reach are the lab's, and a lab may run only
 * some of the inventory (`lab up --stations 16`). A selected station the lab does not
 * run will not appear mid-run, so it is not "unreachable" (retried with backoff and
 * counted against the threshold, as a link that is down): it is left out, and said so.
 * A station named with --station that the lab does not run is a mistake in the command.
 */
export interface LabSelection<S> {
  /** The selected stations the lab runs, in selection order. */
  selected: S[]
  /** How many selected stations the lab does not run (0: none left out). */
  leftOut: number
}

/**
 * The one wording for stations a lab does not run (push, status --live, plan --live):
 * "the lab runs K of the T selected stations: the other N <tail>"; `tail` gets whether N is one.
 */
export function labLeftOutMessage(kept: number, leftOut: number, tail: (one: boolean) => string): string {
  return `the lab runs ${kept} of the ${kept + leftOut} selected stations: the other ${leftOut} ${tail(leftOut === 1)}`
}

export function narrowToLab<S extends { id: string }>(selected: readonly S[], inLab: ReadonlySet<string>, named: readonly string[]): LabSelection<S> {
  const missingNamed = named.filter((id) => selected.some((s) => s.id === id) && !inLab.has(id))
  if (missingNamed.length > 0) {
    const list = missingNamed.length > 5 ? `${missingNamed.slice(0, 5).join(', ')} and ${missingNamed.length - 5} more` : missingNamed.join(', ')
    throw new UsageError(
      `station ${list} ${missingNamed.length === 1 ? 'is' : 'are'} not in the running lab (it runs ${inLab.size} station${inLab.size === 1 ? '' : 's'})`,
      '`lastmile lab status` lists the lab\'s stations; restart the lab with more (`lastmile lab down && lastmile lab up --stations N`), or leave those out of --station.',
    )
  }
  const kept = selected.filter((s) => inLab.has(s.id))
  return { selected: kept, leftOut: selected.length - kept.length }
}
