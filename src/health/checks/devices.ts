import { joinBi } from '../../i18n/format.js'
import type { Bilingual } from '../../i18n/lang.js'
import { deviceTypeNames } from '../../i18n/names.js'
import type { Station } from '../../inventory/model.js'
import type { AgentHealth, Check } from '../types.js'

/**
 * The inventory's USB devices (those with a `usb` id) against what the gateway
 * sees on its bus. Only for stations that list such devices.
 */
export function usbCheck(station: Station, h: AgentHealth): Check | undefined {
  const expected = station.devices.filter((d) => d.usb)
  if (expected.length === 0) return undefined
  const seen = new Map<string, number>()
  for (const u of h.usb) {
    const key = `${u.vendor}:${u.product}`.toLowerCase()
    seen.set(key, (seen.get(key) ?? 0) + 1)
  }
  const problems: Bilingual[] = []
  const missing: string[] = []
  for (const d of expected) {
    const key = (d.usb as string).toLowerCase()
    const have = seen.get(key) ?? 0
    const take = Math.min(have, d.count)
    seen.set(key, have - take)
    if (take === d.count) continue
    const name = deviceTypeNames[d.type]
    missing.push(`${d.type} ${d.model}`)
    if (d.count === 1) {
      problems.push({
        zh: `${name.zh}（${name.en}）${d.model} 未连接`,
        en: `${name.en} (${name.zh}) ${d.model} expected, not connected`,
      })
    } else {
      problems.push({
        zh: `${name.zh}（${name.en}）${d.model} 应有 ${d.count} 台，只连接了 ${take} 台`,
        en: `${name.en} (${name.zh}) ${d.model}: ${d.count} expected, ${take} connected`,
      })
    }
  }
  if (problems.length === 0) {
    return { id: 'usb', state: 'ok', value: [], reason: { zh: `USB 设备齐全（${expected.length} 种）`, en: `all USB devices connected (${expected.length} kinds)` } }
  }
  const r = joinBi(problems)
  return {
    id: 'usb',
    state: 'warning',
    value: missing,
    reason: {
      zh: `${r.zh}：请站点工作人员检查 USB 线和电源`,
      en: `${r.en}: ask the station staff to check the USB cable and power`,
    },
  }
}
