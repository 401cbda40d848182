import { stringify } from 'yaml'
import { formatTable } from '../cli/table.js'
import type { ShowResult } from './show.js'
import type { ProgrammeRow } from './summary.js'

const PROGRAMME_LABEL: Record<ProgrammeRow['key'], string> = {
  towns: 'towns 镇街',
  stations: 'stations 服务站',
  ecommerceStations: 'e-commerce stations 电商',
  settopBoxHouseholds: 'set-top-box households 机顶盒户',
  infoPoints: 'info points 信息点',
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n)
}

/** The human view of `inventory show`: totals vs programme, per town, devices, and any --station records. */
export function formatShow(r: ShowResult): string {
  const t = r.totals
  const out: string[] = []
  const scope = r.filter ? ` — filtered: ${r.towns.map((x) => x.name).join('、') || 'nothing'}` : ''
  out.push(`${r.district.name} (${r.district.code}) inventory ${r.inventory}${scope}`, '')

  const prog = new Map((r.programme?.rows ?? []).map((row) => [row.key, row]))
  const line = (label: string, value: number | string, key?: ProgrammeRow['key']): Array<string | number> => {
    const p = key ? prog.get(key) : undefined
    return [label, value, p ? p.programme : '', p ? (p.ok ? 'ok' : `off by ${signed(p.difference)}`) : '']
  }
  const year = r.programme ? `programme ${r.programme.year}` : 'programme'
  out.push(
    formatTable(
      ['total', 'inventory', year, 'check'],
      [
        line(PROGRAMME_LABEL.towns, t.towns, 'towns'),
        line(PROGRAMME_LABEL.stations, t.stations, 'stations'),
        line('without a station yet 未建站', t.withoutStation),
        line(PROGRAMME_LABEL.ecommerceStations, t.ecommerce, 'ecommerceStations'),
        line(PROGRAMME_LABEL.settopBoxHouseholds, t.settopBoxHouseholds, 'settopBoxHouseholds'),
        line(PROGRAMME_LABEL.infoPoints, t.infoPoints, 'infoPoints'),
        line('PCs 电脑', t.computers),
        line('WiFi stations', t.wifiStations),
        line('WAN fibre / adsl / 4g', `${t.wanByType.fibre} / ${t.wanByType.adsl} / ${t.wanByType['4g']}`),
        line('4G backup', t.wanBackup),
      ],
      { align: ['left', 'right', 'right', 'left'] },
    ),
  )
  if (r.programme) {
    const off = r.programme.rows.filter((x) => !x.ok)
    out.push('', off.length === 0 ? `programme ${r.programme.year}: every target met (${r.programme.rows.length} of ${r.programme.rows.length})` : `programme ${r.programme.year}: ${off.length} target(s) not met: ${off.map((x) => `${x.key} ${x.inventory} vs ${x.programme} (${signed(x.difference)})`).join('; ')}`)
  } else {
    out.push('', 'programme targets are for the whole district; run without --town/--station to compare.')
  }

  out.push('', 'Per town', formatTable(
    ['town 镇街', 'code', 'stations', 'no stn', 'e-com', 'STB hh', 'info', 'PCs', 'WiFi', 'fibre', 'adsl', '4g'],
    r.towns.map((x) => [x.name, x.code, x.stations, x.withoutStation, x.ecommerce, x.settopBoxHouseholds, x.infoPoints, x.computers, x.wifiStations, x.wanByType.fibre, x.wanByType.adsl, x.wanByType['4g']]),
    { align: ['left', 'left', ...Array<'right'>(10).fill('right')] },
  ))

  out.push('', 'Fibre upgrade 光纤改造 by town', formatTable(
    ['town 镇街', 'done', 'in-progress', 'planned', 'not-needed', 'done %'],
    r.towns.map((x) => {
      const f = x.fibreUpgrade
      const needed = f.done + f['in-progress'] + f.planned
      return [x.name, f.done, f['in-progress'], f.planned, f['not-needed'], needed ? `${Math.round((100 * f.done) / needed)}%` : '–']
    }),
    { align: ['left', 'right', 'right', 'right', 'right', 'right'] },
  ))

  const devices = Object.entries(t.devicesByType).filter(([, n]) => n > 0)
  if (devices.length > 0) out.push('', 'Devices', formatTable(['type', 'count'], devices, { align: ['left', 'right'] }))

  for (const s of r.stations ?? []) {
    out.push('', `Station ${s.id} ${s.name} (${s.source.file}:${s.source.line}); secrets are shown as their refs`, stringify(s, { lineWidth: 0 }).trimEnd())
  }
  return out.join('\n')
}
