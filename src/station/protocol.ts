import { z } from 'zod'

/*
 * The replies of `lastmile-station` (station/README.md is the reference). Objects are parsed
 * leniently: unknown fields are dropped, because later agents may add fields; the fields the
 * controller relies on are required and typed.
 */

/** The agent protocol this client speaks. An agent reporting another one is refused. */
export const CLIENT_PROTOCOL = 1

/** Error codes the agent documents; `no-agent` is the client's own (the agent is not installed). */
export const AGENT_ERROR_CODES = [
  'usage',
  'pending',
  'not-pending',
  'id-mismatch',
  'bad-input',
  'checksum',
  'drift',
  'disk-full',
  'missing-command',
  'reload-failed',
  'locked',
  'io',
  'no-agent',
] as const
export type AgentErrorCode = (typeof AGENT_ERROR_CODES)[number]

const sha256 = z.string().regex(/^[0-9a-f]{64}$/)

export const step = z.looseObject({ step: z.string(), ok: z.boolean(), ms: z.number() })
export type Step = z.infer<typeof step>

export const pending = z.object({ id: z.string(), deadline: z.number().nullable() })
export type Pending = z.infer<typeof pending>

export const failureReply = z.object({
  ok: z.literal(false),
  verb: z.string().optional(),
  // A string, not an enum: a newer agent may add codes, and the message still reaches the user.
  error: z.object({ code: z.string(), message: z.string() }),
  rolledBack: z.boolean().optional(),
  steps: z.array(step).optional(),
})
export type FailureReply = z.infer<typeof failureReply>

export const versionReply = z.object({ ok: z.literal(true), agent: z.string(), protocol: z.number().int() })
export type VersionReply = z.infer<typeof versionReply>

export const lastRollback = z.object({ id: z.string().nullable(), at: z.number(), reason: z.string() })

export const probeReply = z.object({
  ok: z.literal(true),
  agent: z.string(),
  protocol: z.number().int(),
  appliedId: z.string().nullable(),
  pending: pending.nullable(),
  files: z.record(z.string(), sha256.nullable()),
  lastRollback: lastRollback.nullable(),
})
export type ProbeReply = z.infer<typeof probeReply>

export const applyReply = z.object({
  ok: z.literal(true),
  id: z.string(),
  noop: z.boolean(),
  recorded: z.boolean().optional(),
  changed: z.array(z.string()),
  /** files a removal line of the MANIFEST deleted (agents before removal lines do not send it) */
  removed: z.array(z.string()).default([]),
  unchanged: z.array(z.string()),
  reloaded: z.array(z.string()).optional(),
  pending: pending.nullable(),
  steps: z.array(step),
})
export type ApplyReply = z.infer<typeof applyReply>

export const confirmReply = z.object({ ok: z.literal(true), id: z.string(), appliedId: z.string().nullable().optional(), already: z.boolean() })
export type ConfirmReply = z.infer<typeof confirmReply>

export const rollbackReply = z.object({
  ok: z.literal(true),
  rolledBack: z.boolean(),
  id: z.string().nullable().optional(),
  reason: z.string().optional(),
  hadBackup: z.boolean().optional(),
  restored: z.array(z.string()).optional(),
  removed: z.array(z.string()).optional(),
  reloadError: z.string().nullable().optional(),
  pending: pending.nullable().optional(),
  steps: z.array(step).optional(),
})
export type RollbackReply = z.infer<typeof rollbackReply>

const num = z.number().nullable()
export const healthReply = z.object({
  ok: z.literal(true),
  agent: z.string(),
  protocol: z.number().int(),
  /** the station's clock (epoch s) */
  time: num.optional(),
  appliedId: z.string().nullable(),
  pending: pending.nullable(),
  uptime: num,
  load: z.tuple([num, num, num]).nullable(),
  memory: z.object({ totalKb: num, availableKb: num }),
  disk: z.object({ totalKb: num, availableKb: num }),
  interfaces: z.record(z.string(), z.object({ up: z.boolean().nullable(), rxBytes: num, txBytes: num })),
  wan: z.object({ interface: z.string().nullable(), up: z.boolean().nullable(), link: z.string() }),
  tunnel: z.object({ up: z.boolean().nullable(), latestHandshake: num }),
  wifi: z.array(z.object({ iface: z.string(), up: z.boolean().nullable(), ssid: z.string().nullable() })),
  usb: z.array(z.object({ vendor: z.string(), product: z.string() })),
  drift: z.array(z.object({ path: z.string(), expected: z.string(), found: z.string().nullable() })),
})
export type HealthReply = z.infer<typeof healthReply>

/**
 * The JSON object an agent printed. It prints exactly one line; if something else got onto
 * stdout first (a noisy profile on a hand-configured station), the last line that looks like an
 * object is used. Returns undefined when there is none.
 */
export function extractJson(stdout: string): unknown {
  const text = stdout.trim()
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    const last = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{')).pop()
    if (last === undefined) return undefined
    try {
      return JSON.parse(last)
    } catch {
      return undefined
    }
  }
}
