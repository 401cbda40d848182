/** One file the controller wants on the station. */
export interface DesiredFile {
  path: string
  sha256: string
  /** octal text, e.g. `0644` */
  mode: string
}

export interface ChangeDecision {
  /** paths whose content differs or that are missing on the station: ship these */
  changed: string[]
  /** paths the station already has with the desired content */
  unchanged: string[]
  /**
   * Paths the station reports (they were in its confirmed manifest) that the desired set no
   * longer has. Send a `removalLine` for each to have the agent delete it (backed up, restored
   * on rollback); without one the agent leaves the file in place and stops managing it.
   */
  removed: string[]
}

/**
 * Pure: which desired files must be shipped, given the hashes a probe reported. A path the
 * probe did not report at all counts as changed (ship it; the agent re-checks every hash).
 * Modes are not compared: the agent does not report them, and it applies a MANIFEST mode only
 * when it replaces a file's content.
 */
export function decideChanges(desired: readonly DesiredFile[], probed: Readonly<Record<string, string | null>>): ChangeDecision {
  const changed: string[] = []
  const unchanged: string[] = []
  const wanted = new Set<string>()
  for (const f of desired) {
    wanted.add(f.path)
    if (probed[f.path] === f.sha256) unchanged.push(f.path)
    else changed.push(f.path)
  }
  const removed = Object.keys(probed)
    .filter((p) => !wanted.has(p) && probed[p] !== null)
    .sort()
  return { changed, unchanged, removed }
}

/**
 * Pure: the station already runs config `id` exactly: applied, nothing pending, every desired
 * file in place and nothing left to remove. Then the push is over after the probe (one round trip).
 */
export function isUpToDate(id: string, desired: readonly DesiredFile[], probe: { appliedId: string | null; pending: unknown; files: Readonly<Record<string, string | null>> }): boolean {
  const d = decideChanges(desired, probe.files)
  return probe.appliedId === id && probe.pending === null && d.changed.length === 0 && d.removed.length === 0
}
