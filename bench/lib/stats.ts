/** Pure helpers for the benchmark's figures: medians, spreads, ratios, formatting. */

export interface Spread {
  n: number
  median: number
  min: number
  max: number
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export function spread(xs: readonly number[]): Spread {
  const v = xs.filter((x) => Number.isFinite(x))
  if (v.length === 0) return { n: 0, median: NaN, min: NaN, max: NaN }
  return { n: v.length, median: median(v), min: Math.min(...v), max: Math.max(...v) }
}

/** b / a of the medians (how many times `b` costs what `a` costs); NaN when a is 0 or missing. */
export function ratio(a: Spread | undefined, b: Spread | undefined): number {
  if (!a || !b || !Number.isFinite(a.median) || !Number.isFinite(b.median) || a.median === 0) return NaN
  return b.median / a.median
}

/** `12.3 (11.9–13.0)`; digits chosen from the size of the number. */
export function formatSpread(s: Spread | undefined, unit = ''): string {
  if (!s || s.n === 0) return '—'
  const f = (x: number): string => fmt(x)
  return s.n === 1 ? `${f(s.median)}${unit}` : `${f(s.median)}${unit} (${f(s.min)}–${f(s.max)})`
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return '—'
  const a = Math.abs(x)
  if (a >= 100) return x.toFixed(0)
  if (a >= 10) return x.toFixed(1)
  return x.toFixed(2)
}

export function formatRatio(r: number): string {
  return Number.isFinite(r) ? `${r >= 10 ? r.toFixed(0) : r.toFixed(1)}×` : '—'
}
