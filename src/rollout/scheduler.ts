/**
 * Concurrency for a wave: at most `maxConcurrent` stations at once in the
 * district, and at most `perTownConcurrent` in one town (a town's stations share
 * its uplink; saturating it slows every station behind it and the health
 * probes with them). Order is kept: the next station started is the first one
 * waiting whose town has room, so a busy town never blocks the others.
 */
export interface ConcurrencyLimits {
  maxConcurrent: number
  perTownConcurrent: number
}

export interface SchedulerItem {
  id: string
  town: string
}

/** Pure: index in `waiting` of the next item to start, or -1 when none may start now. */
export function pickNext(waiting: readonly SchedulerItem[], running: ReadonlyMap<string, number>, runningTotal: number, limits: ConcurrencyLimits): number {
  if (runningTotal >= limits.maxConcurrent) return -1
  return waiting.findIndex((item) => (running.get(item.town) ?? 0) < limits.perTownConcurrent)
}

export interface ScheduleOptions<T extends SchedulerItem, R> {
  limits: ConcurrencyLimits
  run: (item: T) => Promise<R>
  /** Checked before each start: false = start nothing more (interrupt, abort); running ones finish. */
  mayStart?: () => boolean
  /** Called with each result as it completes, in completion order. */
  onResult?: (item: T, result: R) => void
}

export interface ScheduleResult<T, R> {
  results: Map<string, R>
  /** Items never started (mayStart said no). */
  notStarted: T[]
}

/**
 * Runs the items under the limits. Never rejects: `run` is expected to turn
 * its failures into results (a station's failure is data, not an exception);
 * if it throws anyway, the error propagates after the running items settle.
 */
export async function schedule<T extends SchedulerItem, R>(items: readonly T[], opts: ScheduleOptions<T, R>): Promise<ScheduleResult<T, R>> {
  const limits = { maxConcurrent: Math.max(1, opts.limits.maxConcurrent), perTownConcurrent: Math.max(1, opts.limits.perTownConcurrent) }
  const waiting = [...items]
  const running = new Map<string, number>()
  const results = new Map<string, R>()
  let total = 0
  let failure: unknown
  let stopped = false

  return new Promise((resolve, reject) => {
    const finish = (): void => {
      if (total > 0) return
      if (failure !== undefined) reject(failure)
      else resolve({ results, notStarted: waiting.splice(0) })
    }
    const pump = (): void => {
      while (!stopped && failure === undefined) {
        if (opts.mayStart && !opts.mayStart()) {
          stopped = true
          break
        }
        const i = pickNext(waiting, running, total, limits)
        if (i < 0) break
        const [item] = waiting.splice(i, 1) as [T]
        running.set(item.town, (running.get(item.town) ?? 0) + 1)
        total++
        void Promise.resolve()
          .then(() => opts.run(item))
          .then(
            (r) => {
              results.set(item.id, r)
              opts.onResult?.(item, r)
            },
            (err: unknown) => {
              failure ??= err
            },
          )
          .finally(() => {
            running.set(item.town, (running.get(item.town) ?? 1) - 1)
            total--
            pump()
            finish()
          })
      }
      if (waiting.length === 0 || stopped || failure !== undefined) finish()
    }
    pump()
  })
}
