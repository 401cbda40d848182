import type { Bilingual } from './lang.js'

/** A duration the way people say it: "45 秒" / "45 s", "12 分钟" / "12 min", "26 小时" / "26 h", "3 天" / "3 d". */
export function duration(seconds: number): Bilingual {
  const s = Math.max(0, Math.round(seconds))
  if (s < 90) return { zh: `${s} 秒`, en: `${s} s` }
  const m = Math.round(s / 60)
  if (m < 90) return { zh: `${m} 分钟`, en: `${m} min` }
  const h = Math.round(s / 3600)
  if (h < 48) return { zh: `${h} 小时`, en: `${h} h` }
  const d = Math.round(s / 86400)
  return { zh: `${d} 天`, en: `${d} d` }
}

/** Kilobytes as MB/GB with one decimal where it matters. */
export function sizeKb(kb: number): string {
  if (kb < 1024) return `${Math.round(kb)} KB`
  const mb = kb / 1024
  if (mb < 1024) return `${mb < 10 ? mb.toFixed(1) : Math.round(mb)} MB`
  const gb = mb / 1024
  return `${gb < 10 ? gb.toFixed(1) : Math.round(gb)} GB`
}

export function percent(ratio: number): string {
  return `${Math.round(ratio * 100)}%`
}

export function ms(value: number): string {
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`
}

/**
 * `2026-11-28 14:02` in the given time zone (default: the machine's). Town
 * admins read local time; tests pass a zone so the output is fixed.
 */
export function clockTime(epochMs: number, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(epochMs))
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? ''
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`
}

/** Joins reasons in each language with that language's list separator. */
export function joinBi(items: Bilingual[]): Bilingual {
  return { zh: items.map((i) => i.zh).join('；'), en: items.map((i) => i.en).join('; ') }
}
