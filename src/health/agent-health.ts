import { z } from 'zod'
import type { AgentHealth } from './types.js'

/*
 * The agent's answer is input from a remote machine: parse it, never trust it.
 * Fields are nullable (a router without /proc/meminfo still answers), unknown
 * fields are ignored (a newer agent may say more), strings are bounded.
 */
const num = z.number().finite().nullable().catch(null)
const bool = z.boolean().nullable().catch(null)
const str = (max: number) => z.string().max(max)

const schema = z.object({
  ok: z.literal(true).optional(),
  agent: str(40).nullable().catch(null),
  protocol: num.optional(),
  time: num.optional(),
  appliedId: str(200).nullable().catch(null),
  pending: z
    .object({ id: str(200).nullable().catch(null), deadline: num })
    .nullable()
    .catch(null),
  uptime: num,
  load: z.tuple([z.number(), z.number(), z.number()]).nullable().catch(null),
  memory: z.object({ totalKb: num, availableKb: num }).catch({ totalKb: null, availableKb: null }),
  disk: z.object({ totalKb: num, availableKb: num }).catch({ totalKb: null, availableKb: null }),
  interfaces: z
    .record(str(64), z.object({ up: bool, rxBytes: num, txBytes: num }))
    .catch({}),
  wan: z
    .object({
      interface: str(64).nullable().catch(null),
      up: bool,
      link: z.enum(['fibre', 'adsl', '4g', 'unknown']).catch('unknown'),
    })
    .catch({ interface: null, up: null, link: 'unknown' as const }),
  tunnel: z.object({ up: bool, latestHandshake: num }).catch({ up: null, latestHandshake: null }),
  wifi: z.array(z.object({ iface: str(64), up: bool, ssid: str(64).nullable().catch(null) })).max(64).catch([]),
  usb: z.array(z.object({ vendor: str(8), product: str(8) })).max(256).catch([]),
  drift: z.array(z.object({ path: str(512), expected: str(128), found: str(128).nullable().catch(null) })).max(1000).catch([]),
})

export type ParseResult = { ok: true; health: AgentHealth } | { ok: false; message: string }

export function parseAgentHealth(input: unknown): ParseResult {
  let value = input
  if (typeof input === 'string') {
    const line = input.trim().split('\n').pop() ?? ''
    try {
      value = JSON.parse(line)
    } catch {
      return { ok: false, message: `the agent's answer is not JSON: ${JSON.stringify(input.slice(0, 120))}` }
    }
  }
  if (typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false) {
    const v = value as { error?: unknown; message?: unknown }
    // The agent's failure object is {"error":{"code","message"}}; older shapes had flat fields.
    const e = typeof v.error === 'object' && v.error !== null ? (v.error as { code?: unknown; message?: unknown }) : undefined
    const text = e ? [e.code, e.message].filter((x) => typeof x === 'string' && x !== '').join(': ') || 'no message' : String(v.message ?? v.error ?? 'no message')
    return { ok: false, message: `the agent reported an error: ${text}`.slice(0, 300) }
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success) return { ok: false, message: `the agent's answer is not a health report (${parsed.error.issues[0]?.message ?? 'bad shape'})` }
  const { ok: _ok, ...health } = parsed.data
  return { ok: true, health: health as AgentHealth }
}
