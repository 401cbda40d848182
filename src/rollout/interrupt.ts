/**
 * Ctrl-C during a rollout. The first one stops starting stations (the
 * AbortController the executor watches); stations in flight finish: they
 * confirm or roll back, and the journal says so. The second one exits at once:
 * the stations' own watchdogs roll back any apply that is not confirmed, and
 * the journal gets one last line so `--resume` knows what happened.
 */
export interface InterruptOptions {
  /** First Ctrl-C. */
  onFirst: () => void
  /** Second Ctrl-C: must not await anything. */
  onSecond: () => void
  /** Injected for tests (default: process). */
  target?: Pick<NodeJS.Process, 'on' | 'off'>
}

export function installInterrupts(opts: InterruptOptions): { controller: AbortController; dispose: () => void } {
  const controller = new AbortController()
  const target = opts.target ?? process
  let count = 0
  const handler = (): void => {
    count++
    if (count === 1) {
      controller.abort()
      opts.onFirst()
    } else opts.onSecond()
  }
  target.on('SIGINT', handler)
  target.on('SIGTERM', handler)
  return {
    controller,
    dispose: () => {
      target.off('SIGINT', handler)
      target.off('SIGTERM', handler)
    },
  }
}
