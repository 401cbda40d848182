/**
 * Every number a health state is decided on, in one place (docs/health.md
 * lists them). Rural links are slow: the SSH limits are for "this link is
 * struggling", not for a LAN.
 */
export interface Thresholds {
  /** SSH handshake slower than this → warning */
  handshakeWarnMs: number
  /** one exec round trip (`lastmile-station health`) slower than this → warning */
  rttWarnMs: number
  /** up for less than this → warning "rebooted recently" */
  uptimeWarnSeconds: number
  /** 5-minute load average at or above → warning / critical */
  loadWarn: number
  loadCrit: number
  /** available memory below this fraction → warning / critical */
  memoryWarnRatio: number
  memoryCritRatio: number
  /** free disk below this fraction → warning / critical */
  diskWarnRatio: number
  diskCritRatio: number
  /** WireGuard re-handshakes every 2 minutes while the peer is alive; older than this → warning / critical */
  tunnelHandshakeWarnSeconds: number
  tunnelHandshakeCritSeconds: number
  /** no answer for longer than this → stale (critical) */
  staleAfterMs: number
  /** a town alert needs at least this fraction of its probed stations unreachable … */
  townDownRatio: number
  /** … and at least this many */
  townDownMin: number
}

export const defaultThresholds: Thresholds = {
  handshakeWarnMs: 3000,
  rttWarnMs: 2000,
  uptimeWarnSeconds: 3600,
  loadWarn: 4,
  loadCrit: 10,
  memoryWarnRatio: 0.1,
  memoryCritRatio: 0.05,
  diskWarnRatio: 0.2,
  diskCritRatio: 0.05,
  tunnelHandshakeWarnSeconds: 300,
  tunnelHandshakeCritSeconds: 900,
  staleAfterMs: 24 * 3600 * 1000,
  townDownRatio: 0.6,
  townDownMin: 3,
}

export function withDefaults(t: Partial<Thresholds> | undefined): Thresholds {
  return { ...defaultThresholds, ...(t ?? {}) }
}
