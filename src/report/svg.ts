import { clockTime } from '../i18n/format.js'
import { h } from './escape.js'
import { runStateColour, runStateNames } from './labels.js'
import type { ReportRun, RunState } from './model.js'
import type { StateCounts } from '../rollout/types.js'

/** `42s`, `6m12s`, `1h05m`: compact enough for a bar label, the same in both languages. */
export function compactDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}

const countStates: Array<[keyof StateCounts, RunState]> = [
  ['confirmed', 'confirmed'],
  ['unchanged', 'unchanged'],
  ['rolledBack', 'rolled-back'],
  ['failed', 'failed'],
  ['unreachable', 'unreachable'],
  ['skipped', 'skipped'],
]

const TICK_MINUTES = [1, 2, 5, 10, 15, 30, 60, 120, 240, 480, 720, 1440]

/**
 * The rollout timeline as inline SVG: one row per wave on a shared time axis,
 * each bar split by how its stations ended. Static: readable without JS.
 */
export function timelineSvg(run: ReportRun, timeZone: string): string {
  const W = 1000
  const labelW = 190
  const rightW = 110
  const plotW = W - labelW - rightW
  const rowH = 34
  const top = 30
  const waves = run.waves
  const H = top + Math.max(1, waves.length) * rowH + 10
  const t0 = run.startedAt
  const ends = [run.finishedAt ?? 0, run.lastEventAt, ...waves.map((w) => w.finishedAt ?? 0)]
  const t1 = Math.max(...ends)
  const span = Math.max(t1 - t0, 60_000)
  const x = (t: number): number => labelW + ((t - t0) / span) * plotW

  const parts: string[] = []
  // Axis: clock-time ticks at a round interval, at most ~8 of them.
  const stepMin = TICK_MINUTES.find((m) => span / (m * 60_000) <= 8) ?? 1440
  const step = stepMin * 60_000
  const first = Math.ceil(t0 / step) * step
  for (let t = first, n = 0; t <= t0 + span && n < 50; t += step, n++) {
    const tx = x(t).toFixed(1)
    parts.push(`<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${H - 6}" stroke="#e3e7ec" stroke-width="1"/>`)
    parts.push(`<text x="${tx}" y="${top - 12}" text-anchor="middle" class="axis">${h(clockTime(t, timeZone).slice(11))}</text>`)
  }
  // The start time, unless a tick already sits there.
  if (first - t0 > step / 4) parts.push(`<text x="${labelW}" y="${top - 12}" text-anchor="start" class="axis">${h(clockTime(t0, timeZone).slice(11))}</text>`)

  waves.forEach((w, i) => {
    const y = top + i * rowH
    const barY = y + 7
    const barH = rowH - 14
    parts.push(`<text x="${labelW - 12}" y="${y + rowH / 2 + 5}" text-anchor="end" class="wave-label">${h(w.label)}</text>`)
    if (w.startedAt === undefined) {
      parts.push(`<rect x="${labelW}" y="${barY}" width="${plotW}" height="${barH}" rx="4" fill="none" stroke="#c4cad3" stroke-dasharray="4 4"/>`)
      parts.push(`<text x="${labelW + 10}" y="${y + rowH / 2 + 5}" class="bar-note">未开始 not started · ${w.stations} 站</text>`)
      return
    }
    const end = w.finishedAt ?? run.lastEventAt
    const bx = x(w.startedAt)
    const bw = Math.max(3, x(end) - bx)
    const counts = w.counts
    const total = counts ? countStates.reduce((n, [k]) => n + counts[k], 0) : 0
    const title = `${w.label}: ${clockTime(w.startedAt, timeZone)} → ${w.finishedAt ? clockTime(w.finishedAt, timeZone) : '…'} (${compactDuration(end - w.startedAt)})`
    parts.push(`<g><title>${h(title)}${counts ? h(' · ' + countStates.filter(([k]) => counts[k] > 0).map(([k, s]) => `${runStateNames[s].zh} ${counts[k]}`).join(', ')) : ''}</title>`)
    if (counts && total > 0) {
      // Segments are clipped to one rounded bar (a same-document reference, nothing fetched).
      parts.push(`<clipPath id="wave-${w.index}"><rect x="${bx.toFixed(1)}" y="${barY}" width="${bw.toFixed(1)}" height="${barH}" rx="4"/></clipPath><g clip-path="url(#wave-${w.index})">`)
      let cx = bx
      for (const [k, s] of countStates) {
        if (counts[k] === 0) continue
        const segW = (counts[k] / total) * bw
        parts.push(`<rect x="${cx.toFixed(1)}" y="${barY}" width="${segW.toFixed(1)}" height="${barH}" fill="${runStateColour[s]}"/>`)
        cx += segW
      }
      parts.push('</g>')
    } else {
      parts.push(`<rect x="${bx.toFixed(1)}" y="${barY}" width="${bw.toFixed(1)}" height="${barH}" rx="4" fill="${runStateColour['in-progress']}" opacity="0.8"/>`)
    }
    parts.push('</g>')
    const label = `${compactDuration(end - w.startedAt)} · ${w.stations} 站`
    parts.push(`<text x="${(bx + bw + 8).toFixed(1)}" y="${y + rowH / 2 + 5}" class="bar-note">${h(label)}</text>`)
  })
  return `<svg class="timeline" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="下发时间线 rollout timeline">${parts.join('')}</svg>`
}
