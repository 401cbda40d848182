import { clockTime, duration } from '../i18n/format.js'
import { restate } from './evaluate.js'
import type { StationRecord } from './history.js'
import type { Check, StationHealth } from './types.js'

export interface AnswerIndex {
  /** epoch ms of each station's last answer */
  lastAnswer: Map<string, number>
  /** epoch ms of each station's first record in the history read */
  firstSeen: Map<string, number>
  /** epoch ms at which each station's current run of failed probes began */
  downSince: Map<string, number>
}

/** What the history says about answers; records oldest first. Pure. */
export function indexAnswers(records: StationRecord[]): AnswerIndex {
  const lastAnswer = new Map<string, number>()
  const firstSeen = new Map<string, number>()
  const downSince = new Map<string, number>()
  for (const r of records) {
    const t = Date.parse(r.ts)
    if (!firstSeen.has(r.station)) firstSeen.set(r.station, t)
    if (r.answered) {
      lastAnswer.set(r.station, t)
      downSince.delete(r.station)
    } else if (!downSince.has(r.station)) {
      downSince.set(r.station, t)
    }
  }
  return { lastAnswer, firstSeen, downSince }
}

/**
 * "No data" is itself an alert: a station that has not answered for longer
 * than `staleAfterMs` gets a critical `stale` check ("no data for 26 h — stale,
 * not ok"). It can never look ok by being silent. Pure.
 */
export function applyStaleness(stations: StationHealth[], index: AnswerIndex, now: number, staleAfterMs: number, timeZone?: string): StationHealth[] {
  return stations.map((s) => {
    if (s.answered) return s
    const last = index.lastAnswer.get(s.id)
    const first = index.firstSeen.get(s.id)
    let check: Check | undefined
    if (last !== undefined && now - last > staleAfterMs) {
      const d = duration((now - last) / 1000)
      const when = clockTime(last, timeZone)
      check = {
        id: 'stale',
        state: 'critical',
        value: Math.round((now - last) / 1000),
        reason: {
          zh: `已 ${d.zh}没有数据（最后一次应答 ${when}）：数据过期，不能当作正常`,
          en: `no data for ${d.en} (last answer ${when}) — stale, not ok`,
        },
      }
    } else if (last === undefined && first !== undefined && now - first > staleAfterMs) {
      const d = duration((now - first) / 1000)
      check = {
        id: 'stale',
        state: 'critical',
        value: Math.round((now - first) / 1000),
        reason: {
          zh: `${d.zh}的记录里从未应答过：数据过期，不能当作正常`,
          en: `never answered in ${d.en} of history — stale, not ok`,
        },
      }
    }
    const lastAnswerAt = last === undefined ? {} : { lastAnswerAt: new Date(last).toISOString() }
    if (!check) return { ...s, ...lastAnswerAt }
    return restate({ ...s, ...lastAnswerAt, stale: true, checks: [...s.checks, check] })
  })
}
