/**
 * The narrow interfaces the rollout core drives. The executor and the station
 * state machine only see these; `adapters.ts` binds them to the SSH transport,
 * the station client, the renderer and the applied-state store. Unit tests
 * bind them to fakes.
 */

/** One rendered file, as the rollout needs it (content only goes into the apply stream). */
export interface RolloutFile {
  path: string
  mode: string
  reload: string
  sha256: string
  size: number
  content: Buffer
}

/** A station's desired config. */
export interface DesiredConfig {
  stationId: string
  configId: string
  files: RolloutFile[]
  /** `<sha256> <mode> <reload> <path>` lines for the agent's MANIFEST. */
  manifestLines: string[]
  /**
   * Reload action of every file the platform can manage, desired or not: a
   * file the station still has but the config no longer wants (WiFi taken
   * away) is removed with this reload (station/README.md, removal lines).
   */
  platformReloads?: Readonly<Record<string, string>>
}

/** What `lastmile-station probe` reports (station/README.md). */
export interface AgentProbe {
  appliedId: string | null
  pending: { id: string | null; deadline: number | null } | null
  /** sha256 of each managed path; null = absent on the station. */
  files: Record<string, string | null>
  lastRollback: { id: string | null; at: number | null; reason: string } | null
  agent?: string | null
}

export interface AgentApplyResult {
  /** The agent found every file already in place (it recorded the id, armed nothing). */
  noop: boolean
  changed: string[]
  pending: { id: string; deadline: number | null } | null
}

export interface AgentConfirmResult {
  /** It was already confirmed (a confirm whose answer we lost, or a resumed run). */
  already: boolean
}

/** One SSH session with a station's agent. Every method is one exec. */
export interface AgentSession {
  /** Probe, installing or upgrading the agent first when it is missing or old (a run that will apply). */
  probe(paths: string[]): Promise<AgentProbe>
  /** Read-only probe: null when the agent is missing or older than ours (nothing is installed). */
  inspect(paths: string[]): Promise<AgentProbe | null>
  /** Installs or upgrades the agent. Called only when probe says it is missing or old. */
  ensureAgent(): Promise<void>
  apply(configId: string, confirmWithinS: number, manifestLines: string[], changedFiles: RolloutFile[]): Promise<AgentApplyResult>
  confirm(configId: string): Promise<AgentConfirmResult>
  rollback(configId: string | null, reason: string): Promise<void>
  /** The agent's raw health answer. */
  health(): Promise<unknown>
  close(): Promise<void>
}

/**
 * Why a connection is opened. `preflight`: the look before the waves, which gives
 * up sooner and does not retry (a station it misses is tried again in its wave).
 */
export type ConnectPurpose = 'preflight'

export interface StationConnector {
  /** A new SSH connection (each call is a new TCP connection: confirm must prove the path still works). */
  connect(stationId: string, signal?: AbortSignal, purpose?: ConnectPurpose): Promise<AgentSession>
}

/**
 * An error from the transport or the agent, as the state machine needs it:
 * `kind` (ssh: unreachable, auth, …) or `code` (agent: reload-failed, …).
 */
export interface ClassifiedError {
  /** ssh kind or agent code */
  class: string
  message: string
  /** The station could not be reached (connect failed, or the link died). */
  unreachable: boolean
  /** The link died while a command ran: it may have taken effect. */
  inDoubt: boolean
  /** The agent reports it already put the previous config back. */
  rolledBack: boolean
  /** The agent is not installed or is too old for this command. */
  agentMissing: boolean
}

/** Records the last confirmed config of a station (src/state/applied-store.ts). */
export interface AppliedRecorder {
  /**
   * `unchanged`: the station already ran this config. A record of the same config is then kept
   * as it is (its appliedAt stays the time it was applied; a no-change rerun writes nothing).
   */
  record(entry: { stationId: string; configId: string; runId: string; at: string; files: Array<{ path: string; sha256: string }>; unchanged?: boolean }): Promise<void>
}

/** Critical findings of an agent health answer (empty = fine). */
export type HealthAssessor = (stationId: string, raw: unknown) => string[]

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>
