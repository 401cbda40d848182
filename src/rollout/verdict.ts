import type { AgentProbe, DesiredConfig, RolloutFile } from './ports.js'

/**
 * What a station needs, from what its agent says it has: the one decision the
 * rollout's preflight, each station's run, `status --live`, `plan --live` and
 * `push --dry-run` share, so they can never disagree about "up to date".
 */
export interface ProbeVerdict {
  /** Desired files whose sha256 differs from the station's (or that it lacks). */
  changedFiles: RolloutFile[]
  /** Files the station still manages (its confirmed manifest) that the config no longer has. */
  removed: string[]
  /** Nothing to send, nothing to remove, the desired id is the applied one, and nothing is pending. */
  upToDate: boolean
}

/** Paths whose rendered sha256 differs from what the station has. */
export function decideChangedFiles(files: readonly RolloutFile[], onStation: Readonly<Record<string, string | null>>): RolloutFile[] {
  return files.filter((f) => onStation[f.path] !== f.sha256)
}

export function probeVerdict(desired: DesiredConfig, probe: AgentProbe): ProbeVerdict {
  const changedFiles = decideChangedFiles(desired.files, probe.files)
  const wanted = new Set(desired.files.map((f) => f.path))
  const removed = Object.keys(probe.files)
    .filter((p) => probe.files[p] !== null && !wanted.has(p))
    .sort()
  const upToDate = changedFiles.length === 0 && removed.length === 0 && probe.appliedId === desired.configId && !probe.pending
  return { changedFiles, removed, upToDate }
}
