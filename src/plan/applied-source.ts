import { readApplied, type AppliedRecord } from '../state/applied-store.js'
import { statePaths } from '../state/paths.js'

/**
 * Where `plan` learns what a station has now. The local record is what this
 * machine last applied; `plan --live` (rollout work) will ask the stations'
 * agents instead, through another implementation of this interface.
 */
export interface AppliedStateSource {
  /** for people: where the "before" side of the plan comes from */
  readonly name: string
  /** the station's applied state, or undefined when nothing is known (the station plans as new) */
  get(stationId: string): Promise<AppliedRecord | undefined>
}

export function localAppliedSource(home: string): AppliedStateSource {
  return { name: `local record (${statePaths.applied(home)})`, get: (id) => readApplied(home, id) }
}
