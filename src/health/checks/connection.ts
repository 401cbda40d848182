import { ms } from '../../i18n/format.js'
import type { Thresholds } from '../thresholds.js'
import type { Check, ProbeError } from '../types.js'

/** The reachable check: the one thing that matters when nothing else could be read. */
export function reachableCheck(error: ProbeError | undefined): Check {
  if (!error) return { id: 'reachable', state: 'ok', reason: { zh: '站点已应答', en: 'the station answered' } }
  const m = error.message
  switch (error.kind) {
    case 'unreachable':
      return {
        id: 'reachable',
        state: 'critical',
        value: error.kind,
        reason: {
          zh: `无法连接站点（${m}）：请确认站点网关已通电、WAN 线路正常`,
          en: `cannot reach the station (${m}): check that its gateway has power and its WAN line is up`,
        },
      }
    case 'timeout':
      return {
        id: 'reachable',
        state: 'critical',
        value: error.kind,
        reason: {
          zh: `连接站点超时（${m}）：线路可能严重丢包或站点死机，请稍后重试或请站点重启网关`,
          en: `timed out talking to the station (${m}): the link is very lossy or the gateway hangs; retry later or ask the station to power-cycle the gateway`,
        },
      }
    case 'auth':
      return {
        id: 'reachable',
        state: 'critical',
        value: error.kind,
        reason: {
          zh: `站点拒绝了本操作员的 SSH 密钥（${m}）：请联系区信息中心重新下发操作员密钥`,
          en: `the station refused this operator's SSH key (${m}): ask the district admin to push the operator keys again`,
        },
      }
    case 'host-key-mismatch':
      return {
        id: 'reachable',
        state: 'critical',
        value: error.kind,
        reason: {
          zh: `站点主机密钥与登记的不一致（${m}）：可能更换了路由器，也可能有人冒充站点；请先电话核实，再重新登记（lastmile hosts trust --replace）`,
          en: `the station's host key does not match the pinned one (${m}): the router may have been replaced, or something is impersonating it; confirm with the station by phone before re-pinning (lastmile hosts trust --replace)`,
        },
      }
    case 'unknown-host-key':
      return {
        id: 'reachable',
        state: 'critical',
        value: error.kind,
        reason: {
          zh: `站点主机密钥尚未登记（${m}）：请先运行 lastmile hosts scan，电话核实后再 lastmile hosts trust`,
          en: `no host key pinned for this station (${m}): run lastmile hosts scan, verify it by phone, then lastmile hosts trust`,
        },
      }
    case 'agent-missing':
      return {
        id: 'reachable',
        state: 'critical',
        value: error.kind,
        reason: {
          zh: `站点上没有 lastmile-station 代理（${m}）：首次下发（lastmile rollout）会安装它`,
          en: `the station agent lastmile-station is not installed (${m}): the first rollout installs it`,
        },
      }
    default:
      return {
        id: 'reachable',
        state: 'critical',
        value: error.kind,
        reason: {
          zh: `站点代理没有给出健康数据（${error.kind}：${m}）`,
          en: `the station agent gave no health report (${error.kind}: ${m})`,
        },
      }
  }
}

export function handshakeCheck(handshakeMs: number, t: Thresholds): Check {
  if (handshakeMs > t.handshakeWarnMs) {
    return {
      id: 'handshake',
      state: 'warning',
      value: handshakeMs,
      reason: {
        zh: `SSH 握手用了 ${ms(handshakeMs)}（上限 ${ms(t.handshakeWarnMs)}）：线路慢或丢包`,
        en: `SSH handshake took ${ms(handshakeMs)} (limit ${ms(t.handshakeWarnMs)}): the link is slow or lossy`,
      },
    }
  }
  return { id: 'handshake', state: 'ok', value: handshakeMs, reason: { zh: `SSH 握手 ${ms(handshakeMs)}`, en: `SSH handshake ${ms(handshakeMs)}` } }
}

export function rttCheck(rttMs: number, t: Thresholds): Check {
  if (rttMs > t.rttWarnMs) {
    return {
      id: 'rtt',
      state: 'warning',
      value: rttMs,
      reason: {
        zh: `一次命令往返用了 ${ms(rttMs)}（上限 ${ms(t.rttWarnMs)}）：线路慢或网关负载高`,
        en: `one command round trip took ${ms(rttMs)} (limit ${ms(t.rttWarnMs)}): the link is slow or the gateway is busy`,
      },
    }
  }
  return { id: 'rtt', state: 'ok', value: rttMs, reason: { zh: `命令往返 ${ms(rttMs)}`, en: `command round trip ${ms(rttMs)}` } }
}
