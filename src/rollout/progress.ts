import type { JournalEventBody } from './journal.js'
import type { PlanStation, Wave } from './types.js'

/**
 * What a person watching a rollout sees. Fed by the same events as the
 * journal. Three kinds:
 * - plain (not a TTY, or CI=true): one line per event, greppable;
 * - live (a TTY): a compact block redrawn in place: per wave and per town
 *   counts, and the slowest stations in flight (a hung station shows at once,
 *   by name: no silent hangs);
 * - none (--json): nothing; the result is the output.
 * Progress goes to stderr; stdout carries the result.
 */
export interface ProgressReporter {
  start(info: { runId: string; command: string; waves: Wave[]; stations: ReadonlyMap<string, PlanStation> }): void
  event(e: JournalEventBody): void
  note(text: string): void
  finish(): void
}

export const nullReporter: ProgressReporter = { start: () => undefined, event: () => undefined, note: () => undefined, finish: () => undefined }

function secs(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`
}

/** `[wave 1/9 fengcheng] 441802006001 高基里 confirmed 1.2s` */
export class PlainReporter implements ProgressReporter {
  private waves: Wave[] = []
  private stations: ReadonlyMap<string, PlanStation> = new Map()

  constructor(private readonly write: (line: string) => void) {}

  start(info: { runId: string; command: string; waves: Wave[]; stations: ReadonlyMap<string, PlanStation> }): void {
    this.waves = info.waves
    this.stations = info.stations
    const n = info.waves.reduce((a, w) => a + w.stations.length, 0)
    this.write(`${info.command} ${info.runId}: ${n} station${n === 1 ? '' : 's'} in ${info.waves.length} wave${info.waves.length === 1 ? '' : 's'}`)
  }

  private tag(wave: number): string {
    const w = this.waves.find((x) => x.index === wave)
    return `[wave ${wave + 1}/${this.waves.length} ${w?.name ?? '?'}]`
  }

  private who(id: string): string {
    const s = this.stations.get(id)
    return s ? `${id} ${shortName(s.name)}` : id
  }

  event(e: JournalEventBody): void {
    const line = this.format(e)
    if (line) this.write(line)
  }

  format(e: JournalEventBody): string | undefined {
    switch (e.type) {
      case 'wave-started':
        return `${this.tag(e.wave)} started: ${e.stations.length} station${e.stations.length === 1 ? '' : 's'}`
      case 'confirmed':
      case 'unchanged':
        return `${this.tag(e.wave)} ${this.who(e.station)} ${e.type} ${secs(e.ms)}`
      case 'rolled-back':
        return `${this.tag(e.wave)} ${this.who(e.station)} rolled-back ${secs(e.ms)}: ${e.reason}`
      case 'failed':
        return `${this.tag(e.wave)} ${this.who(e.station)} failed (${e.errorClass}) ${secs(e.ms)}: ${e.message}`
      case 'unreachable':
        return `${this.tag(e.wave)} ${this.who(e.station)} unreachable${e.final ? ` after ${e.attempt} attempt${e.attempt === 1 ? '' : 's'}` : ', deferred to the end of the wave'}: ${e.message}`
      case 'deferred':
        return `${this.tag(e.wave)} ${this.who(e.station)} retry ${e.attempt} in ${secs(e.retryInMs)}`
      case 'wave-finished': {
        const c = e.counts
        return `${this.tag(e.wave)} finished in ${secs(e.ms)}: ${c.confirmed} confirmed, ${c.unchanged} unchanged, ${c.rolledBack} rolled back, ${c.failed} failed, ${c.unreachable} unreachable${c.skipped ? `, ${c.skipped} skipped` : ''}`
      }
      case 'aborted':
        return `ABORTED${e.wave !== null ? ` after wave ${e.wave + 1}` : ''}: ${e.reason}`
      case 'interrupted':
        return e.hard ? 'interrupted again: exiting now (the stations\' watchdogs roll back anything unconfirmed)' : 'interrupted: starting no new stations; the ones in flight finish (confirm or roll back)'
      default:
        return undefined
    }
  }

  note(text: string): void {
    this.write(text)
  }

  finish(): void {}
}

/** "高基里社区居委会" → "高基里" is done by the inventory's `short`; here we only cap the length. */
function shortName(name: string): string {
  return name.length > 12 ? name.slice(0, 12) + '…' : name
}

interface LiveStation {
  id: string
  town: string
  started: number
}

/**
 * The live view for a terminal. It redraws at most every `intervalMs`; lines
 * about failures, rollbacks and aborts are printed above it and stay.
 */
export class LiveReporter implements ProgressReporter {
  private waves: Wave[] = []
  private stations: ReadonlyMap<string, PlanStation> = new Map()
  private runId = ''
  private command = ''
  private currentWave = -1
  private state = new Map<string, string>()
  private inFlight = new Map<string, LiveStation>()
  private drawn = 0
  private timer: NodeJS.Timeout | undefined
  private readonly plain: PlainReporter

  constructor(
    private readonly out: { write(s: string): unknown; columns?: number },
    private readonly now: () => number = Date.now,
    private readonly intervalMs = 250,
  ) {
    this.plain = new PlainReporter((l) => this.printAbove(l))
  }

  start(info: { runId: string; command: string; waves: Wave[]; stations: ReadonlyMap<string, PlanStation> }): void {
    this.waves = info.waves
    this.stations = info.stations
    this.runId = info.runId
    this.command = info.command
    this.plain.start(info)
    this.timer = setInterval(() => this.draw(), this.intervalMs)
    this.timer.unref()
  }

  event(e: JournalEventBody): void {
    switch (e.type) {
      case 'wave-started':
        this.currentWave = e.wave
        break
      case 'station-started':
        this.inFlight.set(e.station, { id: e.station, town: this.stations.get(e.station)?.town.slug ?? '?', started: this.now() })
        this.state.set(e.station, 'running')
        break
      case 'applied':
        this.state.set(e.station, 'confirming')
        break
      case 'confirmed':
      case 'unchanged':
      case 'rolled-back':
      case 'failed':
      case 'skipped':
        this.inFlight.delete(e.station)
        this.state.set(e.station, e.type)
        break
      case 'unreachable':
        this.inFlight.delete(e.station)
        this.state.set(e.station, e.final ? 'unreachable' : 'deferred')
        break
      default:
        break
    }
    // Keep the lines that matter in the scrollback.
    if (e.type === 'rolled-back' || e.type === 'failed' || e.type === 'aborted' || e.type === 'interrupted' || e.type === 'wave-finished' || (e.type === 'unreachable' && e.final)) {
      this.plain.event(e)
    }
  }

  note(text: string): void {
    this.printAbove(text)
  }

  finish(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    this.clear()
  }

  private printAbove(line: string): void {
    this.clear()
    this.out.write(line + '\n')
    this.draw()
  }

  private clear(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\x1b[J`)
    this.drawn = 0
  }

  /** The block: run line, one line per wave (current wave per town), slowest in flight. */
  render(): string[] {
    const lines: string[] = []
    const total = this.waves.reduce((a, w) => a + w.stations.length, 0)
    const done = [...this.state.values()].filter((s) => s !== 'running' && s !== 'confirming' && s !== 'deferred').length
    lines.push(`${this.command} ${this.runId}  ${done}/${total} stations done`)
    for (const w of this.waves) {
      const counts = this.countFor(w.stations)
      const mark = w.index === this.currentWave ? '▶' : w.index < this.currentWave ? '✓' : ' '
      lines.push(`${mark} wave ${w.index + 1}/${this.waves.length} ${w.name.padEnd(12)} ${counts}`)
      if (w.index === this.currentWave && w.kind !== 'town') {
        const towns = new Map<string, string[]>()
        for (const id of w.stations) {
          const t = this.stations.get(id)?.town.slug ?? '?'
          towns.set(t, [...(towns.get(t) ?? []), id])
        }
        if (towns.size > 1) for (const [t, ids] of towns) lines.push(`    ${t.padEnd(14)} ${this.countFor(ids)}`)
      }
    }
    const slow = [...this.inFlight.values()].sort((a, b) => a.started - b.started).slice(0, 3)
    if (slow.length > 0) {
      lines.push(
        '  slowest: ' +
          slow
            .map((s) => `${s.id} ${shortName(this.stations.get(s.id)?.name ?? '')} ${this.state.get(s.id) ?? ''} ${secs(this.now() - s.started)}`)
            .join(' · '),
      )
    }
    return lines
  }

  private countFor(ids: readonly string[]): string {
    const c: Record<string, number> = {}
    for (const id of ids) {
      const s = this.state.get(id) ?? 'waiting'
      c[s] = (c[s] ?? 0) + 1
    }
    const order = ['confirmed', 'unchanged', 'running', 'confirming', 'deferred', 'rolled-back', 'failed', 'unreachable', 'skipped', 'waiting']
    return order
      .filter((k) => c[k])
      .map((k) => `${c[k]} ${k}`)
      .join(', ')
  }

  private draw(): void {
    this.clear()
    const width = Math.max(40, (this.out.columns ?? 100) - 1)
    const lines = this.render().map((l) => (l.length > width ? l.slice(0, width - 1) + '…' : l))
    this.out.write(lines.join('\n') + '\n')
    this.drawn = lines.length
  }
}

/** Plain lines when not a TTY or under CI; the live view otherwise; nothing for --json. */
export function chooseReporter(opts: { json: boolean; stream: NodeJS.WriteStream; env?: NodeJS.ProcessEnv }): ProgressReporter {
  if (opts.json) return nullReporter
  const env = opts.env ?? process.env
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0'
  if (!opts.stream.isTTY || ci) return new PlainReporter((l) => opts.stream.write(l + '\n'))
  return new LiveReporter(opts.stream)
}
