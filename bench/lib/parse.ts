/** Pure parsers for what the tools and the stations print. */

/** GNU time with `-f '%e %U %S %M'`: elapsed s, user s, sys s, max RSS KiB (the last such line). */
export interface GnuTime {
  elapsedS: number
  userS: number
  sysS: number
  maxRssKb: number
}

export function parseGnuTime(text: string): GnuTime | undefined {
  const lines = text.split('\n').filter((l) => /^\s*[\d.]+ [\d.]+ [\d.]+ \d+\s*$/.test(l))
  const last = lines.at(-1)
  if (!last) return undefined
  const [e, u, s, m] = last.trim().split(/\s+/).map(Number)
  return { elapsedS: e!, userS: u!, sysS: s!, maxRssKb: m! }
}

export interface AnsibleRecap {
  hosts: number
  ok: number
  changed: number
  unreachable: number
  failed: number
  skipped: number
  /** hosts with changed > 0 */
  hostsChanged: number
}

/** Sums the PLAY RECAP lines of ansible-playbook's default output. */
export function parseAnsibleRecap(stdout: string): AnsibleRecap | undefined {
  const at = stdout.lastIndexOf('PLAY RECAP')
  if (at < 0) return undefined
  const r: AnsibleRecap = { hosts: 0, ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, hostsChanged: 0 }
  for (const line of stdout.slice(at).split('\n')) {
    const m = /^\S+\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)/.exec(line.trim())
    if (!m) continue
    r.hosts++
    r.ok += Number(m[1])
    r.changed += Number(m[2])
    r.unreachable += Number(m[3])
    r.failed += Number(m[4])
    r.skipped += Number(m[5])
    if (Number(m[2]) > 0) r.hostsChanged++
  }
  return r
}

export interface LastmileTotals {
  stations: number
  confirmed: number
  unchanged: number
  failed: number
  rolledBack: number
  unreachable: number
  skipped: number
  /** the run's own duration (ms) as the CLI reports it */
  ms?: number
  /** the first station error, for the log of an invalid run */
  firstError?: string
  /** files each station's run changed (when the result lists them): fewest, most, and every distinct path */
  changedFiles?: { min: number; max: number; paths: string[] }
}

/** `push --json` / `rollout --json`: the envelope's result totals. */
export function parseLastmileJson(stdout: string): LastmileTotals | undefined {
  let doc: unknown
  try {
    doc = JSON.parse(stdout)
  } catch {
    const start = stdout.indexOf('{')
    if (start < 0) return undefined
    try {
      doc = JSON.parse(stdout.slice(start))
    } catch {
      return undefined
    }
  }
  const envelope = doc as { result?: { totals?: Record<string, number>; stations?: Array<{ id?: string; changed?: unknown; error?: { class?: string; message?: string } }>; ms?: number }; error?: { message?: string } }
  const result = envelope.result
  if (!result?.totals) return undefined
  const t = result.totals
  const failed = (result.stations ?? []).find((s) => s.error)
  const changed = (result.stations ?? []).flatMap((s) => (Array.isArray(s.changed) ? [s.changed.filter((p): p is string => typeof p === 'string')] : []))
  return {
    stations: Array.isArray(result.stations) ? result.stations.length : 0,
    confirmed: t.confirmed ?? 0,
    unchanged: t.unchanged ?? 0,
    failed: t.failed ?? 0,
    rolledBack: t.rolledBack ?? 0,
    unreachable: t.unreachable ?? 0,
    skipped: t.skipped ?? 0,
    ...(typeof result.ms === 'number' ? { ms: result.ms } : {}),
    ...(failed?.error ? { firstError: `${failed.id}: ${failed.error.class}: ${failed.error.message}` } : {}),
    ...(changed.length > 0 ? { changedFiles: { min: Math.min(...changed.map((c) => c.length)), max: Math.max(...changed.map((c) => c.length)), paths: [...new Set(changed.flat())].sort() } } : {}),
  }
}

/** What one station's sshd did, from its LogLevel DEBUG1 log. */
export interface SshdCounts {
  connections: number
  execs: number
  subsystems: number
}

export function countSshdLog(text: string): SshdCounts {
  const count = (re: RegExp): number => (text.match(re) ?? []).length
  return {
    connections: count(/Accepted publickey for /g),
    execs: count(/session_input_channel_req: session \d+ req exec/g),
    subsystems: count(/session_input_channel_req: session \d+ req subsystem/g),
  }
}

/** /proc/stat's first line: total and idle jiffies, for the machine's busy share during a run. */
export function parseProcStat(text: string): { total: number; idle: number } {
  const f = (text.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number)
  const idle = (f[3] ?? 0) + (f[4] ?? 0)
  return { total: f.reduce((a, b) => a + b, 0), idle }
}
