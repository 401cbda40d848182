import type { Findings } from './findings.js'

/** The programme equips each station with 5–10 PCs; outside that is usually a typo in count. */
export const COMPUTERS_MIN = 5
export const COMPUTERS_MAX = 10

export function checkDevices(f: Findings): void {
  for (const s of f.inv.stations) {
    if (!s.hasStation) continue
    const idx = s.devices.findIndex((d) => d.type === 'computer')
    const computers = s.devices.filter((d) => d.type === 'computer').reduce((n, d) => n + d.count, 0)
    if (computers < COMPUTERS_MIN || computers > COMPUTERS_MAX) {
      f.station(s, idx >= 0 ? ['devices', idx, 'count'] : ['devices'], 'warning', 'devices.computers', `the station has ${computers} computer${computers === 1 ? '' : 's'}; the programme plans ${COMPUTERS_MIN}–${COMPUTERS_MAX} per station: check the count (a { type: computer, count: N } device)`)
    }
  }
}
