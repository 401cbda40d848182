import { beforeAll, describe, expect, it } from 'vitest'
import { evaluate } from '../../src/health/evaluate.js'
import { parseAgentHealth } from '../../src/health/agent-health.js'
import type { Inventory, Station } from '../../src/inventory/model.js'
import { NOW, check, healthyAgent, loadMini, station } from './helpers.js'

let inv: Inventory
let gaojili: Station // 高基里: fibre, USB devices incl. 良田 S1800 document camera, no WiFi
let jiangkou: Station // 江口: 4G main link, WiFi, USB scanner and camera

beforeAll(async () => {
  inv = await loadMini()
  gaojili = station(inv, '441802006001')
  jiangkou = station(inv, '441802104201')
})

const TZ = 'Asia/Shanghai'

describe('evaluate: a healthy station', () => {
  it('is ok with every check ok, reasons in both languages', () => {
    const r = evaluate({ station: gaojili, health: healthyAgent(gaojili), handshakeMs: 180, rttMs: 90, now: NOW, expectedAgentVersion: '1.0.0', timeZone: TZ })
    expect(r.state).toBe('ok')
    expect(r.answered).toBe(true)
    expect(r.checks.map((c) => c.id)).toEqual(['reachable', 'handshake', 'rtt', 'uptime', 'load', 'memory', 'disk', 'wan', 'tunnel', 'usb', 'drift', 'agent', 'pending'])
    for (const c of r.checks) {
      expect(c.state, c.id).toBe('ok')
      expect(c.reason.zh, c.id).toMatch(/\p{Script=Han}/u)
      expect(c.reason.en, c.id).toMatch(/^[\x20-\x7e]+$/)
    }
  })

  it('has a WiFi check only where the inventory has WiFi', () => {
    const r = evaluate({ station: jiangkou, health: healthyAgent(jiangkou), now: NOW })
    expect(check(r, 'wifi').state).toBe('ok')
    expect(r.state).toBe('ok')
    const g = evaluate({ station: gaojili, health: healthyAgent(gaojili), now: NOW })
    expect(g.checks.some((c) => c.id === 'wifi')).toBe(false)
  })
})

describe('evaluate: faults', () => {
  it('station down: critical reachable with an actionable reason, nothing else claimed', () => {
    const r = evaluate({ station: gaojili, error: { kind: 'unreachable', message: 'connection timed out (ETIMEDOUT)' }, now: NOW })
    expect(r.state).toBe('critical')
    expect(r.answered).toBe(false)
    expect(r.checks.map((c) => c.id)).toEqual(['reachable'])
    const c = check(r, 'reachable')
    expect(c.state).toBe('critical')
    expect(c.reason.zh).toContain('无法连接站点')
    expect(c.reason.zh).toContain('通电')
    expect(c.reason.en).toContain('cannot reach the station (connection timed out (ETIMEDOUT))')
    expect(c.reason.en).toContain('power')
  })

  it.each([
    ['auth', /SSH 密钥/, /refused this operator's SSH key/],
    ['host-key-mismatch', /主机密钥与登记的不一致/, /does not match the pinned one/],
    ['unknown-host-key', /尚未登记/, /no host key pinned/],
    ['agent-missing', /没有 lastmile-station/, /not installed/],
    ['timeout', /超时/, /timed out/],
  ])('connection error %s gets its own reason', (kind, zh, en) => {
    const r = evaluate({ station: gaojili, error: { kind, message: 'x' }, now: NOW })
    expect(r.state).toBe('critical')
    expect(check(r, 'reachable').value).toBe(kind)
    expect(check(r, 'reachable').reason.zh).toMatch(zh)
    expect(check(r, 'reachable').reason.en).toMatch(en)
  })

  it('document camera unplugged: warning naming the device in Chinese and English', () => {
    const h = healthyAgent(gaojili)
    h.usb = h.usb.filter((u) => `${u.vendor}:${u.product}` !== '0ac8:3610')
    const r = evaluate({ station: gaojili, health: h, now: NOW })
    const c = check(r, 'usb')
    expect(c.state).toBe('warning')
    expect(r.state).toBe('warning')
    expect(c.reason.zh).toContain('高拍仪')
    expect(c.reason.zh).toContain('良田 S1800')
    expect(c.reason.zh).toContain('未连接')
    expect(c.reason.en).toContain('document camera (高拍仪) 良田 S1800 expected, not connected')
    expect(c.reason.en).toContain('check the USB cable')
    expect(c.value).toEqual(['document-camera 良田 S1800'])
  })

  it('every USB device type has its Chinese name', () => {
    const h = healthyAgent(gaojili)
    h.usb = []
    const c = check(evaluate({ station: gaojili, health: h, now: NOW }), 'usb')
    for (const zh of ['电子公章', '手写数字签名板', '指纹识别仪', '高拍仪']) expect(c.reason.zh).toContain(zh)
    for (const en of ['electronic seal', 'signature pad', 'fingerprint reader', 'document camera']) expect(c.reason.en).toContain(en)
  })

  it('disk 97% full: critical with the numbers', () => {
    const h = healthyAgent(gaojili)
    h.disk = { totalKb: 100_000, availableKb: 3_000 }
    const r = evaluate({ station: gaojili, health: h, now: NOW })
    const c = check(r, 'disk')
    expect(c.state).toBe('critical')
    expect(r.state).toBe('critical')
    expect(c.value).toBeCloseTo(0.03)
    expect(c.reason.zh).toContain('存储已用 97%')
    expect(c.reason.zh).toContain('下发会失败')
    expect(c.reason.en).toContain('storage 97% full (2.9 MB free)')
    expect(c.reason.en).toContain('pushes will fail')
  })

  it('disk thresholds: < 20% free warning, < 5% critical, else ok', () => {
    const at = (free: number) => {
      const h = healthyAgent(gaojili)
      h.disk = { totalKb: 1000, availableKb: free }
      return check(evaluate({ station: gaojili, health: h, now: NOW }), 'disk').state
    }
    expect(at(200)).toBe('ok')
    expect(at(199)).toBe('warning')
    expect(at(50)).toBe('warning')
    expect(at(49)).toBe('critical')
  })

  it('drifted file: warning listing the path', () => {
    const h = healthyAgent(gaojili)
    h.drift = [{ path: '/etc/config/wireless', expected: 'a'.repeat(64), found: 'b'.repeat(64) }, { path: '/etc/config/firewall', expected: 'c'.repeat(64), found: null }]
    const r = evaluate({ station: gaojili, health: h, now: NOW })
    const c = check(r, 'drift')
    expect(c.state).toBe('warning')
    expect(c.value).toEqual(['/etc/config/wireless', '/etc/config/firewall'])
    expect(c.reason.zh).toContain('2 个配置文件')
    expect(c.reason.zh).toContain('/etc/config/wireless')
    expect(c.reason.zh).toContain('/etc/config/firewall (已删除)')
    expect(c.reason.en).toContain('2 config files changed since the last confirmed push: /etc/config/wireless, /etc/config/firewall (deleted)')
    expect(c.reason.en).toContain('lastmile push')
  })

  it('on 4G backup while the station has fibre: warning "running on 4G backup"', () => {
    const h = healthyAgent(gaojili)
    h.wan = { interface: 'wwan0', up: true, link: '4g' }
    const r = evaluate({ station: gaojili, health: h, now: NOW })
    const c = check(r, 'wan')
    expect(c.state).toBe('warning')
    expect(c.value).toBe('4g')
    expect(c.reason.en).toContain('running on 4G backup')
    expect(c.reason.en).toContain('fibre line (电信) is down')
    expect(c.reason.zh).toContain('正在使用 4G 备份线路')
    expect(c.reason.zh).toContain('联系电信报修')
  })

  it('4G is fine where 4G is the main link', () => {
    const r = evaluate({ station: jiangkou, health: healthyAgent(jiangkou), now: NOW })
    expect(check(r, 'wan').state).toBe('ok')
    expect(check(r, 'wan').reason.en).toBe('WAN up (4G)')
  })

  it('WAN down: critical', () => {
    const h = healthyAgent(gaojili)
    h.wan = { interface: 'wan', up: false, link: 'fibre' }
    expect(check(evaluate({ station: gaojili, health: h, now: NOW }), 'wan').state).toBe('critical')
  })

  it('WiFi radio down: critical naming the radio and its SSID', () => {
    const h = healthyAgent(jiangkou)
    h.wifi = [
      { iface: 'wlan0', up: true, ssid: 'QC-jiangkou-staff' },
      { iface: 'wlan1', up: false, ssid: '清城区飞来峡江口村' },
    ]
    const r = evaluate({ station: jiangkou, health: h, now: NOW })
    const c = check(r, 'wifi')
    expect(c.state).toBe('critical')
    expect(r.state).toBe('critical')
    expect(c.reason.zh).toContain('WiFi 射频 wlan1（清城区飞来峡江口村）已关闭')
    expect(c.reason.en).toContain('WiFi radio wlan1 (清城区飞来峡江口村) is down')
    expect(c.reason.en).toContain('restart the gateway')
  })

  it('WiFi: an SSID missing from the air is critical, a foreign SSID a warning', () => {
    const h = healthyAgent(jiangkou)
    h.wifi = [{ iface: 'wlan0', up: true, ssid: 'QC-jiangkou-staff' }]
    const missing = check(evaluate({ station: jiangkou, health: h, now: NOW }), 'wifi')
    expect(missing.state).toBe('critical')
    expect(missing.reason.en).toContain('SSID 清城区飞来峡江口村 is not on air')
    h.wifi = [...healthyAgent(jiangkou).wifi, { iface: 'wlan2', up: true, ssid: 'FreeWiFi' }]
    const extra = check(evaluate({ station: jiangkou, health: h, now: NOW }), 'wifi')
    expect(extra.state).toBe('warning')
    expect(extra.reason.en).toContain('SSID FreeWiFi is on air but not in the inventory')
  })

  it('WiFi: radios up but SSIDs unreadable is unknown, not ok and not a false alarm', () => {
    const h = healthyAgent(jiangkou)
    h.wifi = [{ iface: 'wlan0', up: true, ssid: null }]
    const c = check(evaluate({ station: jiangkou, health: h, now: NOW }), 'wifi')
    expect(c.state).toBe('unknown')
    expect(c.reason.en).toContain('could not read which SSIDs are on air')
    h.wifi = []
    expect(check(evaluate({ station: jiangkou, health: h, now: NOW }), 'wifi').reason.en).toContain('no WiFi interface')
  })

  it('tunnel: down critical, old handshake measured on the station clock', () => {
    const h = healthyAgent(gaojili)
    h.tunnel = { up: false, latestHandshake: null }
    expect(check(evaluate({ station: gaojili, health: h, now: NOW }), 'tunnel').state).toBe('critical')
    const old = healthyAgent(gaojili)
    old.time = 1_000_000
    old.tunnel = { up: true, latestHandshake: 1_000_000 - 600 }
    // controller clock far ahead: the station's own clock decides the age
    const c = check(evaluate({ station: gaojili, health: old, now: NOW }), 'tunnel')
    expect(c.state).toBe('warning')
    expect(c.value).toBe(600)
    expect(c.reason.en).toContain('no tunnel handshake with the hub for 10 min')
  })

  it('recent reboot: warning', () => {
    const h = healthyAgent(gaojili)
    h.uptime = 720
    const c = check(evaluate({ station: gaojili, health: h, now: NOW }), 'uptime')
    expect(c.state).toBe('warning')
    expect(c.reason.en).toContain('rebooted 12 min ago')
    expect(c.reason.zh).toContain('12 分钟前刚重启')
  })

  it('pending apply: warning with the watchdog deadline', () => {
    const h = healthyAgent(gaojili)
    h.pending = { id: 'cfg-2', deadline: NOW / 1000 + 120 }
    const c = check(evaluate({ station: gaojili, health: h, now: NOW, timeZone: TZ }), 'pending')
    expect(c.state).toBe('warning')
    expect(c.reason.en).toBe('config cfg-2 was applied but not confirmed: the watchdog rolls it back at 2026-11-29 10:02; if no rollout is running, tell the district admin')
  })

  it('old agent: warning; memory and load thresholds', () => {
    const h = healthyAgent(gaojili)
    h.agent = '0.9.0'
    h.memory = { totalKb: 1000, availableKb: 40 }
    h.load = [9, 12, 8]
    const r = evaluate({ station: gaojili, health: h, now: NOW, expectedAgentVersion: '1.0.0' })
    expect(check(r, 'agent').state).toBe('warning')
    expect(check(r, 'memory').state).toBe('critical')
    expect(check(r, 'load').state).toBe('critical')
  })

  it('slow SSH: handshake and round trip warnings', () => {
    const r = evaluate({ station: gaojili, health: healthyAgent(gaojili), handshakeMs: 4200, rttMs: 2500, now: NOW })
    expect(check(r, 'handshake').state).toBe('warning')
    expect(check(r, 'handshake').reason.en).toContain('SSH handshake took 4.2 s (limit 3.0 s)')
    expect(check(r, 'rtt').state).toBe('warning')
    expect(r.state).toBe('warning')
  })

  it('unknown values stay unknown, never ok', () => {
    const h = healthyAgent(gaojili)
    h.uptime = null
    h.disk = { totalKb: null, availableKb: null }
    const r = evaluate({ station: gaojili, health: h, now: NOW })
    expect(check(r, 'uptime').state).toBe('unknown')
    expect(check(r, 'disk').state).toBe('unknown')
    expect(r.state).toBe('unknown')
  })
})

describe('parseAgentHealth', () => {
  it('reads the agent JSON line, tolerating nulls and unknown fields', () => {
    const line = JSON.stringify({ ok: true, verb: 'health', future: 1, ...healthyAgent(gaojili), memory: { totalKb: null, availableKb: null } })
    const p = parseAgentHealth(`motd noise\n${line}\n`)
    expect(p.ok).toBe(true)
    if (p.ok) expect(p.health.memory.totalKb).toBeNull()
  })

  it('refuses what is not a health report', () => {
    expect(parseAgentHealth('not json').ok).toBe(false)
    expect(parseAgentHealth('{"ok":false,"error":"io","message":"disk"}')).toEqual({ ok: false, message: 'the agent reported an error: disk' })
  })

  it('quotes the code and message of the agent\'s own failure object (station/README.md)', () => {
    const reply = '{"ok":false,"verb":"health","error":{"code":"usage","message":"usage: health"},"steps":[]}'
    expect(parseAgentHealth(reply)).toEqual({ ok: false, message: 'the agent reported an error: usage: usage: health' })
  })
})
