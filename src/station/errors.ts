import { SshError, type StationEndpoint } from '../ssh/errors.js'
import type { FailureReply, Step } from './protocol.js'

/**
 * The agent ran and said no (`{"ok":false,"error":{code,message}}`). Kind `command-failed`;
 * `agentCode` is the agent's error code (station/README.md, "Error codes") to switch on.
 */
export class AgentError extends SshError {
  readonly agentCode: string
  readonly verb: string
  /** apply only: the agent already restored the previous config */
  readonly rolledBack: boolean
  readonly steps: Step[]
  readonly reply: FailureReply

  constructor(station: StationEndpoint, verb: string, reply: FailureReply) {
    super('command-failed', station, `station ${station.stationId}: lastmile-station ${verb} failed (${reply.error.code}): ${reply.error.message}`, {
      hint: hintFor(reply.error.code),
      details: { agentCode: reply.error.code, verb, rolledBack: reply.rolledBack ?? false, steps: reply.steps ?? [] },
    })
    this.agentCode = reply.error.code
    this.verb = verb
    this.rolledBack = reply.rolledBack ?? false
    this.steps = reply.steps ?? []
    this.reply = reply
  }
}

/** `lastmile-station` is not installed (or not on PATH) on the station. */
export class AgentMissingError extends SshError {
  constructor(station: StationEndpoint, detail = '') {
    super('command-failed', station, `station ${station.stationId}: the station agent lastmile-station is not installed${detail ? ` (${detail})` : ''}`, {
      hint: 'The first rollout installs it (StationClient.ensureAgent); or copy station/lastmile-station to /usr/sbin/lastmile-station (mode 0755) on the station.',
      details: { agentCode: 'no-agent' },
    })
  }
  readonly agentCode = 'no-agent'
}

function hintFor(code: string): string {
  switch (code) {
    case 'pending':
      return 'Another apply waits for its confirm: confirm it or roll it back first (its watchdog rolls it back at the deadline anyway).'
    case 'not-pending':
      return 'Nothing is pending: probe the station; the apply may have been rolled back (see lastRollback).'
    case 'id-mismatch':
      return 'A different config id is pending on the station: probe it and confirm or roll back that id.'
    case 'drift':
      return 'Files on the station differ from what the last probe said: probe again and re-apply (the changed files will be shipped), or find out who edited the station.'
    case 'checksum':
      return 'The upload was damaged on the way; nothing changed. Apply again.'
    case 'disk-full':
      return 'The station\'s flash is full; nothing changed. Free space on the station, then apply again.'
    case 'missing-command':
      return 'A reload command (or gzip) is missing on the station; nothing changed. Install the package or fix the template\'s reload action.'
    case 'reload-failed':
      return 'A service rejected the new config; the agent already restored and reloaded the previous config. Fix the config, then apply again.'
    case 'locked':
      return 'Another lastmile-station process is busy on the station; retry shortly.'
    case 'bad-input':
      return 'The bundle was rejected (a bug in lastmile or a template path outside /etc/); nothing changed.'
    case 'usage':
      return 'lastmile sent the agent arguments it does not accept: the agent may be a different version; the next rollout upgrades it.'
    default:
      return 'See the agent\'s message; station/README.md lists the error codes.'
  }
}
