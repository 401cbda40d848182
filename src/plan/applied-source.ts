import { readApplied, type AppliedRecord } from '../state/applied-store.js'
import { statePaths } from '../state/paths.js'

/**
 * Where `plan` learns what a station has now. The local record is what this
 * machine last applied; `plan --live` asks the stations' agents instead
 * (src/rollout/live-source.ts).
 */
export interface AppliedStateSource {
  /** for people: where the "before" side of the plan comes from */
  readonly name: string
  /** what people should know about how it was found (the plan prints them as warnings) */
  readonly warnings?: readonly string[]
  /** the station's applied state, or undefined when nothing is known (the station plans as new) */
  get(stationId: string): Promise<AppliedRecord | undefined>
}

export function localAppliedSource(home: string): AppliedStateSource {
  return { name: `local record (${statePaths.applied(home)})`, get: (id) => readApplied(home, id) }
}
