/**
 * The daemon's log (<home>/lab/lab.log). Events that matter to a trainer or a
 * test (startup, reboots, fault changes, errors) — not every connection, or
 * 1,000 stations would fill the disk. Bounded: at most `perMinute` lines a
 * minute; the rest are counted and reported once the minute is over.
 */
export interface LabLog {
  info(msg: string): void
  error(msg: string): void
  debug(msg: string): void
}

export function createLabLog(write: (line: string) => void, opts: { perMinute?: number; debug?: boolean; now?: () => number } = {}): LabLog {
  const perMinute = opts.perMinute ?? 300
  const now = opts.now ?? Date.now
  let windowStart = now()
  let lines = 0
  let suppressed = 0
  const emit = (level: string, msg: string): void => {
    const t = now()
    if (t - windowStart >= 60_000) {
      if (suppressed > 0) write(`${new Date(t).toISOString()} info  ${suppressed} log lines suppressed in the last minute\n`)
      windowStart = t
      lines = 0
      suppressed = 0
    }
    if (lines >= perMinute) {
      suppressed++
      return
    }
    lines++
    write(`${new Date(t).toISOString()} ${level.padEnd(5)} ${msg}\n`)
  }
  return {
    info: (m) => emit('info', m),
    error: (m) => emit('error', m),
    debug: (m) => {
      if (opts.debug) emit('debug', m)
    },
  }
}
