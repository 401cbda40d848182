import { clockTime } from '../../i18n/format.js'
import { compareVersions } from '../../station/agent-bundle.js'
import type { AgentHealth, Check } from '../types.js'

const MAX_LISTED = 5

export function driftCheck(h: AgentHealth): Check {
  if (h.drift.length === 0) return { id: 'drift', state: 'ok', value: [], reason: { zh: '配置文件与上次确认的下发一致', en: 'config files match the last confirmed push' } }
  const paths = h.drift.map((d) => d.path)
  const list = (deleted: string): string =>
    h.drift
      .slice(0, MAX_LISTED)
      .map((d) => (d.found === null ? `${d.path} (${deleted})` : d.path))
      .join(', ') + (h.drift.length > MAX_LISTED ? ' …' : '')
  return {
    id: 'drift',
    state: 'warning',
    value: paths,
    reason: {
      zh: `${h.drift.length} 个配置文件在上次确认的下发之后被改动：${list('已删除')}：有人手工改过；lastmile push 可恢复，或把改动写进清单`,
      en: `${h.drift.length} config file${h.drift.length === 1 ? '' : 's'} changed since the last confirmed push: ${list('deleted')}: someone edited by hand; lastmile push restores them, or put the change into the inventory`,
    },
  }
}

export function agentCheck(h: AgentHealth, expected: string | undefined): Check {
  if (!h.agent) return { id: 'agent', state: 'unknown', reason: { zh: '代理未报告版本', en: 'the agent did not report its version' } }
  if (expected && compareVersions(h.agent, expected) < 0) {
    return {
      id: 'agent',
      state: 'warning',
      value: h.agent,
      reason: {
        zh: `站点代理版本 ${h.agent} 旧于 ${expected}：下次下发（lastmile rollout）会更新`,
        en: `station agent ${h.agent} is older than ${expected}: the next rollout updates it`,
      },
    }
  }
  return { id: 'agent', state: 'ok', value: h.agent, reason: { zh: `站点代理 ${h.agent}`, en: `station agent ${h.agent}` } }
}

export function pendingCheck(h: AgentHealth, timeZone?: string): Check {
  if (!h.pending) return { id: 'pending', state: 'ok', reason: { zh: '没有待确认的下发', en: 'no unconfirmed apply' } }
  const id = h.pending.id ?? '?'
  const at = h.pending.deadline ? clockTime(h.pending.deadline * 1000, timeZone) : undefined
  return {
    id: 'pending',
    state: 'warning',
    value: id,
    reason: {
      zh: `配置 ${id} 已下发但未确认${at ? `：看门狗将在 ${at} 回滚` : ''}；如无下发正在进行，请告知区信息中心`,
      en: `config ${id} was applied but not confirmed${at ? `: the watchdog rolls it back at ${at}` : ''}; if no rollout is running, tell the district admin`,
    },
  }
}
