import { duration, percent, sizeKb } from '../../i18n/format.js'
import type { Thresholds } from '../thresholds.js'
import type { AgentHealth, Check } from '../types.js'

export function uptimeCheck(h: AgentHealth, t: Thresholds): Check {
  if (h.uptime === null) return { id: 'uptime', state: 'unknown', reason: { zh: '代理未报告运行时间', en: 'the agent did not report uptime' } }
  const d = duration(h.uptime)
  if (h.uptime < t.uptimeWarnSeconds) {
    return {
      id: 'uptime',
      state: 'warning',
      value: h.uptime,
      reason: {
        zh: `网关 ${d.zh}前刚重启：停电还是死机？反复重启请检查电源和 UPS`,
        en: `the gateway rebooted ${d.en} ago: a power cut or a crash? if it keeps happening, check its power supply and UPS`,
      },
    }
  }
  return { id: 'uptime', state: 'ok', value: h.uptime, reason: { zh: `已运行 ${d.zh}`, en: `up ${d.en}` } }
}

export function loadCheck(h: AgentHealth, t: Thresholds): Check {
  if (h.load === null) return { id: 'load', state: 'unknown', reason: { zh: '代理未报告负载', en: 'the agent did not report the load' } }
  const l5 = h.load[1]
  const text = l5.toFixed(2)
  if (l5 >= t.loadCrit || l5 >= t.loadWarn) {
    const state = l5 >= t.loadCrit ? 'critical' : 'warning'
    return {
      id: 'load',
      state,
      value: l5,
      reason: {
        zh: `网关负载过高（5 分钟平均 ${text}，上限 ${t.loadWarn}）：可能有异常程序或攻击流量，请联系区信息中心`,
        en: `the gateway is overloaded (5-minute load ${text}, limit ${t.loadWarn}): a runaway process or attack traffic; tell the district admin`,
      },
    }
  }
  return { id: 'load', state: 'ok', value: l5, reason: { zh: `负载 ${text}`, en: `load ${text}` } }
}

export function memoryCheck(h: AgentHealth, t: Thresholds): Check {
  const { totalKb, availableKb } = h.memory
  if (!totalKb || availableKb === null) return { id: 'memory', state: 'unknown', reason: { zh: '代理未报告内存', en: 'the agent did not report memory' } }
  const ratio = availableKb / totalKb
  const free = `${sizeKb(availableKb)} / ${sizeKb(totalKb)}`
  if (ratio < t.memoryWarnRatio) {
    return {
      id: 'memory',
      state: ratio < t.memoryCritRatio ? 'critical' : 'warning',
      value: ratio,
      reason: {
        zh: `可用内存只剩 ${percent(ratio)}（${free}）：网关可能很快死机，请安排重启并告知区信息中心`,
        en: `only ${percent(ratio)} memory available (${free}): the gateway may hang soon; plan a restart and tell the district admin`,
      },
    }
  }
  return { id: 'memory', state: 'ok', value: ratio, reason: { zh: `可用内存 ${percent(ratio)}`, en: `${percent(ratio)} memory available` } }
}

export function diskCheck(h: AgentHealth, t: Thresholds): Check {
  const { totalKb, availableKb } = h.disk
  if (!totalKb || availableKb === null) return { id: 'disk', state: 'unknown', reason: { zh: '代理未报告存储空间', en: 'the agent did not report disk space' } }
  const ratio = availableKb / totalKb
  const used = percent(1 - ratio)
  if (ratio < t.diskWarnRatio) {
    const critical = ratio < t.diskCritRatio
    return {
      id: 'disk',
      state: critical ? 'critical' : 'warning',
      value: ratio,
      reason: {
        zh: `存储已用 ${used}（剩余 ${sizeKb(availableKb)}）：${critical ? '配置备份和下发会失败' : '空间快满了'}，请联系区信息中心清理日志`,
        en: `storage ${used} full (${sizeKb(availableKb)} free): ${critical ? 'config backups and pushes will fail' : 'running out of space'}; ask the district admin to clear old logs`,
      },
    }
  }
  return { id: 'disk', state: 'ok', value: ratio, reason: { zh: `存储剩余 ${percent(ratio)}`, en: `${percent(ratio)} storage free` } }
}
