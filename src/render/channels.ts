import type { InputProblem } from '../cli/errors.js'
import type { Station } from '../inventory/model.js'
import type { PositionIndex } from '../inventory/positions.js'

/** The three non-overlapping 20 MHz channels of 2.4 GHz. */
export const NON_OVERLAPPING_24 = [1, 6, 11] as const

export interface ChannelPlan {
  /** warnings: a channel off 1/6/11, or the same channel as the previous WiFi station of the town */
  problems: InputProblem[]
  /** station id → the channel a 1/6/11 rotation by code order within its town would give */
  suggested: Record<string, number>
}

/**
 * Checks the inventory's explicit 2.4 GHz channels. Stations of a town are
 * neighbours in NBS code order (codes follow the villages' order along the
 * roads closely enough for this); two neighbours on the same channel, or a
 * channel other than 1/6/11, is a warning. Pure.
 */
export function planChannels24(stations: readonly Station[], opts: { positions?: PositionIndex } = {}): ChannelPlan {
  const problems: InputProblem[] = []
  const suggested: Record<string, number> = {}
  const byTown = new Map<string, Station[]>()
  for (const s of stations) {
    if (!s.hasStation || !s.wifi) continue
    const list = byTown.get(s.town.code) ?? []
    list.push(s)
    byTown.set(s.town.code, list)
  }
  for (const list of byTown.values()) {
    list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    list.forEach((s, i) => {
      const want = NON_OVERLAPPING_24[i % 3]!
      suggested[s.id] = want
      const ch = s.wifi!.radio2g.channel
      const field = ['stations', s.source.index, 'wifi', 'radio2g', 'channel']
      const warn = (message: string): void => {
        const position = opts.positions?.locate(s.source.file, field)
        problems.push({ severity: 'warning', station: s.id, field: 'wifi.radio2g.channel', message, ...(position ? { position } : {}) })
      }
      if (!(NON_OVERLAPPING_24 as readonly number[]).includes(ch)) {
        warn(`2.4 GHz channel ${ch} overlaps its neighbours' channels; use 1, 6 or 11 (the rotation suggests ${want})`)
      }
      const prev = list[i - 1]
      if (prev && prev.wifi!.radio2g.channel === ch) {
        warn(`2.4 GHz channel ${ch} is the same as the neighbouring station ${prev.id} ${prev.name}; use a different one of 1/6/11 (the rotation suggests ${want})`)
      }
    })
  }
  return { problems, suggested }
}
