import { describe, expect, it } from 'vitest'
import { applyReply, extractJson, failureReply, healthReply, probeReply, rollbackReply } from '../../src/station/protocol.js'

// Replies as station/README.md documents them.
const PROBE = '{"ok":true,"verb":"probe","agent":"1.0.0","protocol":1,"appliedId":"20251129-a1b2c3","pending":null,"files":{"/etc/config/network":"' + 'a'.repeat(64) + '","/etc/config/dhcp":null},"lastRollback":{"id":"20251128-ffee00","at":1795918456,"reason":"watchdog"}}'
const APPLY =
  '{"ok":true,"verb":"apply","id":"20251129-a1b2c3","noop":false,"changed":["/etc/config/network"],"unchanged":["/etc/config/firewall"],"reloaded":["network"],"pending":{"id":"20251129-a1b2c3","deadline":1795918924},"steps":[{"step":"lock","ok":true,"ms":0},{"step":"watchdog","ok":true,"ms":0,"pid":13412}]}'
const HEALTH =
  '{"ok":true,"verb":"health","agent":"1.0.0","protocol":1,"time":1795918818,"appliedId":null,"pending":null,"uptime":93784,"load":[0.15,0.3,1.05],"memory":{"totalKb":246896,"availableKb":120340},"disk":{"totalKb":7168,"availableKb":5320},"interfaces":{"br-lan":{"up":true,"rxBytes":1000,"txBytes":2000}},"wan":{"interface":"pppoe-wan","up":true,"link":"fibre"},"tunnel":{"up":true,"latestHandshake":1795918000},"wifi":[{"iface":"wlan0","up":true,"ssid":"清城区源潭镇青龙村"}],"usb":[{"vendor":"096e","product":"0006"}],"drift":[{"path":"/etc/config/wireless","expected":"e7","found":null}]}'

describe('agent replies', () => {
  it('parse the documented replies, ignoring unknown fields', () => {
    const probe = probeReply.parse(extractJson(PROBE))
    expect(probe.files['/etc/config/dhcp']).toBeNull()
    expect(probe.lastRollback?.reason).toBe('watchdog')
    const apply = applyReply.parse(extractJson(APPLY))
    expect(apply.steps[1]).toMatchObject({ step: 'watchdog', pid: 13412 })
    expect(apply.removed).toEqual([])
    expect(applyReply.parse(extractJson(APPLY.replace('"changed":["/etc/config/network"]', '"changed":[],"removed":["/etc/config/wireless"]'))).removed).toEqual(['/etc/config/wireless'])
    expect(healthReply.parse(extractJson(HEALTH)).wifi[0]?.ssid).toBe('清城区源潭镇青龙村')
    expect(rollbackReply.parse({ ok: true, verb: 'rollback', rolledBack: false, pending: null }).rolledBack).toBe(false)
    expect(failureReply.parse({ ok: false, verb: 'apply', error: { code: 'drift', message: 'x' }, steps: [], future: 1 }).error.code).toBe('drift')
  })

  it('extractJson: whole stdout, else the last line that is an object, else undefined', () => {
    expect(extractJson('  {"ok":true}\n')).toEqual({ ok: true })
    expect(extractJson('Welcome to OpenWrt\n{"ok":true}\n')).toEqual({ ok: true })
    expect(extractJson('sh: lastmile-station: not found\n')).toBeUndefined()
    expect(extractJson('')).toBeUndefined()
    expect(extractJson('{"ok":tru')).toBeUndefined()
  })

  it('a probe with a malformed hash does not parse', () => {
    expect(probeReply.safeParse(extractJson(PROBE.replace('a'.repeat(64), 'xyz'))).success).toBe(false)
  })
})
