import { duration, joinBi } from '../../i18n/format.js'
import type { Bilingual } from '../../i18n/lang.js'
import { wanLinkNames } from '../../i18n/names.js'
import type { Station } from '../../inventory/model.js'
import type { Thresholds } from '../thresholds.js'
import type { AgentHealth, Check } from '../types.js'

export function wanCheck(station: Station, h: AgentHealth): Check {
  const { interface: iface, up, link } = h.wan
  const expected = station.wan.type
  const expectedName = wanLinkNames[expected]
  const carrier = station.wan.carrier
  if (up === false) {
    return {
      id: 'wan',
      state: 'critical',
      value: link,
      reason: {
        zh: `WAN 接口 ${iface ?? '?'} 已断开：请检查${expectedName.zh}线路和光猫/调制解调器，或联系${carrier}报修`,
        en: `WAN interface ${iface ?? '?'} is down: check the ${expectedName.en} line and the modem, or call ${carrier} for repair`,
      },
    }
  }
  if (up === null) {
    return { id: 'wan', state: 'unknown', value: link, reason: { zh: '代理不知道 WAN 接口的状态', en: 'the agent does not know the state of the WAN interface' } }
  }
  if (link === 'unknown') {
    return { id: 'wan', state: 'ok', value: link, reason: { zh: `WAN 正常（${iface ?? '?'}，线路类型未报告）`, en: `WAN up (${iface ?? '?'}, link type not reported)` } }
  }
  const linkName = wanLinkNames[link]
  if (link === '4g' && expected !== '4g') {
    return {
      id: 'wan',
      state: 'warning',
      value: link,
      reason: {
        zh: `正在使用 4G 备份线路：${expectedName.zh}主线路（${carrier}）中断，请联系${carrier}报修`,
        en: `running on 4G backup: the ${expectedName.en} line (${carrier}) is down; call ${carrier} for repair`,
      },
    }
  }
  if (link !== expected) {
    return {
      id: 'wan',
      state: 'warning',
      value: link,
      reason: {
        zh: `WAN 线路是${linkName.zh}，清单里写的是${expectedName.zh}：光纤改造完成后请更新清单`,
        en: `the WAN link is ${linkName.en} but the inventory says ${expectedName.en}: update the inventory when the fibre upgrade is done`,
      },
    }
  }
  return { id: 'wan', state: 'ok', value: link, reason: { zh: `WAN 正常（${linkName.zh}）`, en: `WAN up (${linkName.en})` } }
}

export function tunnelCheck(h: AgentHealth, nowMs: number, t: Thresholds): Check {
  const { up, latestHandshake } = h.tunnel
  if (up === false) {
    return {
      id: 'tunnel',
      state: 'critical',
      reason: {
        zh: '到区中心的隧道已断开：站点连不上政务云（业务系统不可用）；先查 WAN，再联系区信息中心',
        en: 'the tunnel to the district hub is down: the station cannot reach the e-government cloud; check the WAN first, then tell the district admin',
      },
    }
  }
  if (up === null) return { id: 'tunnel', state: 'unknown', reason: { zh: '代理没有报告隧道接口（wg0）', en: 'the agent reported no tunnel interface (wg0)' } }
  if (latestHandshake === null) {
    return { id: 'tunnel', state: 'warning', reason: { zh: '隧道接口已启用，但还没有和区中心握手', en: 'the tunnel interface is up but has not completed a handshake with the hub' } }
  }
  // Measured on the station's own clock: a wrong controller clock must not fake an old handshake.
  const stationNow = h.time ?? Math.floor(nowMs / 1000)
  const age = Math.max(0, stationNow - latestHandshake)
  const d = duration(age)
  if (age > t.tunnelHandshakeWarnSeconds) {
    return {
      id: 'tunnel',
      state: age > t.tunnelHandshakeCritSeconds ? 'critical' : 'warning',
      value: age,
      reason: {
        zh: `隧道 ${d.zh}没有和区中心握手（应每 2 分钟一次）：到政务云的线路可能不通`,
        en: `no tunnel handshake with the hub for ${d.en} (expected every 2 minutes): the path to the e-government cloud may be broken`,
      },
    }
  }
  return { id: 'tunnel', state: 'ok', value: age, reason: { zh: `隧道正常（${d.zh}前握手）`, en: `tunnel up (handshake ${d.en} ago)` } }
}

/** Only for stations that have WiFi in the inventory; the SSIDs on air are compared with it. */
export function wifiCheck(station: Station, h: AgentHealth): Check | undefined {
  if (!station.wifi) return undefined
  const expected = [station.wifi.staff.ssid, station.wifi.public.ssid]
  const onAir = new Set(h.wifi.filter((w) => w.up === true && w.ssid).map((w) => w.ssid as string))
  const down = h.wifi.filter((w) => w.up === false)
  const missing = expected.filter((s) => !onAir.has(s))
  const unexpected = [...onAir].filter((s) => !expected.includes(s))
  const value = [...onAir]
  const critical: Bilingual[] = []
  for (const w of down) {
    const ssid = w.ssid ? `（${w.ssid}）` : ''
    const ssidEn = w.ssid ? ` (${w.ssid})` : ''
    critical.push({ zh: `WiFi 射频 ${w.iface}${ssid || ' '}已关闭`, en: `WiFi radio ${w.iface}${ssidEn} is down` })
  }
  const downSsids = new Set(down.map((w) => w.ssid))
  const notExplained = missing.filter((s) => !downSsids.has(s))
  // A radio that is up but whose SSID the agent could not read: the SSIDs cannot be compared.
  const unreadable = h.wifi.filter((w) => w.up === true && !w.ssid)
  if (h.wifi.length === 0) {
    critical.push({ zh: '网关上没有 WiFi 接口', en: 'the gateway has no WiFi interface' })
  } else if (notExplained.length > 0 && unreadable.length === 0) {
    const list = notExplained.join('、')
    critical.push({ zh: `WiFi 名称 ${list} 没有在播`, en: `SSID ${notExplained.join(', ')} is not on air` })
  }
  if (critical.length > 0) {
    const r = joinBi(critical)
    return {
      id: 'wifi',
      state: 'critical',
      value,
      reason: {
        zh: `${r.zh}：群众和工作人员连不上 WiFi，请重启网关；仍不行请联系区信息中心`,
        en: `${r.en}: people cannot connect to the WiFi; restart the gateway, and if that does not help tell the district admin`,
      },
    }
  }
  if (notExplained.length > 0) {
    return {
      id: 'wifi',
      state: 'unknown',
      value,
      reason: {
        zh: `WiFi 射频 ${unreadable.map((w) => w.iface).join('、')} 已开启，但代理读不到在播的 WiFi 名称，无法与清单核对`,
        en: `WiFi radio ${unreadable.map((w) => w.iface).join(', ')} is up but the agent could not read which SSIDs are on air, so they cannot be compared with the inventory`,
      },
    }
  }
  if (unexpected.length > 0) {
    return {
      id: 'wifi',
      state: 'warning',
      value,
      reason: {
        zh: `在播的 WiFi 名称 ${unexpected.join('、')} 不在清单里：有人改了 WiFi 设置；lastmile push 可恢复`,
        en: `SSID ${unexpected.join(', ')} is on air but not in the inventory: someone changed the WiFi settings; lastmile push restores them`,
      },
    }
  }
  return { id: 'wifi', state: 'ok', value, reason: { zh: `WiFi 正常（${expected.join('、')}）`, en: `WiFi up (${expected.join(', ')})` } }
}
