import type { ClassifiedError } from './ports.js'

/**
 * Turns whatever the transport or the station client threw into the few facts
 * the state machine switches on. Duck-typed on purpose: the ssh errors carry
 * `kind`, `phase`, `inDoubt`; agent errors carry `code` (the agent's
 * `error.code`) and `rolledBack`.
 */
export function classifyError(err: unknown): ClassifiedError {
  const e = (err ?? {}) as {
    kind?: unknown
    code?: unknown
    agentCode?: unknown
    phase?: unknown
    inDoubt?: unknown
    rolledBack?: unknown
    message?: unknown
    status?: unknown
    details?: { rolledBack?: unknown }
  }
  const message = typeof e.message === 'string' ? e.message : String(err)
  const agentCode = typeof e.agentCode === 'string' ? e.agentCode : undefined
  const kind = typeof e.kind === 'string' ? e.kind : undefined
  const code = typeof e.code === 'string' ? e.code : undefined
  const cls = agentCode ?? kind ?? code ?? 'internal'
  const unreachable = cls === 'unreachable'
  const inDoubt = e.inDoubt === true || (unreachable && e.phase === 'exec') || cls === 'timeout'
  const rolledBack = e.rolledBack === true || e.details?.rolledBack === true
  const agentMissing = cls === 'no-agent' || cls === 'agent-missing' || cls === 'agent-outdated' || (cls === 'command-failed' && e.status === 127)
  return { class: cls, message, unreachable, inDoubt, rolledBack, agentMissing }
}
