import { createHash } from 'node:crypto'
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InvalidInputError } from '../../src/cli/errors.js'
import { healthFromCli } from '../../src/health/cli-service.js'
import { operatorIdentity, stationTargets } from '../../src/health/live.js'
import type { HealthResult } from '../../src/health/result.js'
import type { StationHealth } from '../../src/health/types.js'
import { loadInventoryOrThrow } from '../../src/inventory/loader.js'
import { generateEd25519 } from '../../src/lab/keys.js'
import { clearLabFault, setLabFault, startLab, stopLab } from '../../src/lab/service.js'
import { readLabTarget, type LabTarget } from '../../src/lab/target.js'
import { connect } from '../../src/ssh/session.js'
import { StationClient } from '../../src/station/client.js'

/*
 * `lastmile health --lab` as a town admin meets it: the real lab daemon, real
 * SSH with pinned host keys, the real agent under the lab's shell, faults set
 * with `lab fault set`. Connection faults apply to the next connection, so the
 * assertions poll (a bounded number of health runs), never sleep-and-hope.
 */

const GAOJILI = '441802006001' // 高基里, fengcheng: fibre, 4 USB devices incl. the 良田 S1800 document camera
const JIANGKOU = '441802104201' // 江口, feilaixia: 4G, WiFi, 2 USB devices

let home: string
let inv: string
let lab: LabTarget
let townKeyFile: string

/** The environment of a session with no SSH keys of its own: only the lab key or the one we give. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { LASTMILE_SSH_KEY: _k, SSH_AUTH_SOCK: _a, LASTMILE_OPERATOR: _o, LASTMILE_INVENTORY: _i, ...rest } = process.env
  return { ...rest, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), LASTMILE_HOME: home, ...extra }
}

function health(extra: Partial<Parameters<typeof healthFromCli>[0]> = {}, e: NodeJS.ProcessEnv = {}): Promise<HealthResult> {
  return healthFromCli({ inventoryDir: inv, lab: true, env: env(e), concurrency: 4, ...extra })
}

function stationOf(r: HealthResult, id: string): StationHealth {
  const s = r.stations.find((x) => x.id === id)
  if (!s) throw new Error(`no ${id} in ${r.stations.map((x) => x.id).join(', ')}`)
  return s
}

/** Runs health until `ok(result)` holds, at most `tries` times (faults reach the daemon asynchronously). */
async function healthUntil(ok: (r: HealthResult) => boolean, tries = 20): Promise<HealthResult> {
  let r = await health()
  for (let i = 1; i < tries && !ok(r); i++) {
    await new Promise((res) => setTimeout(res, 250))
    r = await health()
  }
  return r
}

/**
 * A station whose WiFi config was pushed: the lab reports wlan0's SSID from
 * etc/config/wireless (as iwinfo would); the public SSID runs on a second
 * interface, which the lab does not model, so the test adds it.
 */
async function publishSsids(root: string, staff: string, pub: string): Promise<void> {
  await writeFile(path.join(root, 'etc/config/wireless'), `config wifi-iface 'staff'\n\toption device 'radio0'\n\toption ssid '${staff}'\n`)
  await mkdir(path.join(root, 'sys/class/net/wlan1/statistics'), { recursive: true })
  await writeFile(path.join(root, 'sys/class/net/wlan1/operstate'), 'up\n')
  await writeFile(path.join(root, 'var/run/lastmile/wifi-wlan1.ssid'), `${pub}\n`)
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'lastmile-health-it-'))
  // The mini inventory, with a key we hold for the Fengcheng town admin (operators.yaml keys are placeholders).
  inv = path.join(home, 'inventory')
  await cp('tests/fixtures/inventory-mini', inv, { recursive: true })
  const pair = generateEd25519('town1@lastmile')
  townKeyFile = path.join(home, 'fengcheng-admin-1.key')
  await writeFile(townKeyFile, pair.privateKey, { mode: 0o600 })
  const opsFile = path.join(inv, 'operators.yaml')
  const ops = await readFile(opsFile, 'utf8')
  await writeFile(opsFile, ops.replace(/(id: fengcheng-admin-1[\s\S]*?sshPublicKey: ).*/, `$1${pair.publicKey.trim()}`))
  // The lab accepts extra keys from <home>/lab/authorized_keys: the town admin logs in with their own key.
  await mkdir(path.join(home, 'lab'), { recursive: true })
  await writeFile(path.join(home, 'lab', 'authorized_keys'), pair.publicKey.trim() + '\n')

  await startLab({ home, inventoryDir: inv, port: 0, preinstallAgent: true })
  lab = await readLabTarget(home)
  const { inventory } = await loadInventoryOrThrow(inv)
  const jk = inventory.stations.find((s) => s.id === JIANGKOU)!
  await publishSsids(lab.stations.find((s) => s.id === JIANGKOU)!.root, jk.wifi!.staff.ssid, jk.wifi!.public.ssid)
})

afterAll(async () => {
  await stopLab({ home })
  await rm(home, { recursive: true, force: true })
})

describe('lastmile health --lab', () => {
  it('a healthy lab: every station ok, checked over real SSH with timings', async () => {
    const r = await health()
    expect(r.lab).toBe(true)
    expect(r.stations.filter((s) => s.state !== 'ok').flatMap((s) => s.checks.filter((c) => c.state !== 'ok').map((c) => [s.id, c.id, c.reason.en]))).toEqual([])
    expect(r.stations.map((s) => [s.id, s.state]).sort()).toEqual([
      [GAOJILI, 'ok'],
      [JIANGKOU, 'ok'],
    ])
    for (const s of r.stations) {
      expect(s.answered).toBe(true)
      expect(s.handshakeMs).toBeGreaterThan(0)
      expect(s.rttMs).toBeGreaterThan(0)
    }
    expect(stationOf(r, JIANGKOU).checks.find((c) => c.id === 'wifi')?.state).toBe('ok')
    expect(r.historyFile).toContain(path.join(home, 'health'))
  })

  it('document camera unplugged: warning naming 高拍仪 良田 S1800', async () => {
    await setLabFault({ home, selector: GAOJILI, assignments: ['unplug=document-camera'] })
    try {
      const s = stationOf(await health(), GAOJILI)
      expect(s.state).toBe('warning')
      const usb = s.checks.find((c) => c.id === 'usb')!
      expect(usb.state).toBe('warning')
      expect(usb.reason.zh).toContain('高拍仪（document camera）良田 S1800 未连接')
      expect(usb.reason.en).toContain('document camera (高拍仪) 良田 S1800 expected, not connected')
    } finally {
      await clearLabFault({ home, selector: GAOJILI })
    }
  })

  it('disk full: critical with the reason to act on', async () => {
    await setLabFault({ home, selector: GAOJILI, assignments: ['diskFull=true'] })
    try {
      const s = stationOf(await health(), GAOJILI)
      expect(s.state).toBe('critical')
      const disk = s.checks.find((c) => c.id === 'disk')!
      expect(disk.state).toBe('critical')
      expect(disk.reason.en).toContain('storage 100% full')
      expect(disk.reason.zh).toContain('配置备份和下发会失败')
    } finally {
      await clearLabFault({ home, selector: GAOJILI })
    }
  })

  it('a file changed after the last confirmed push: drift warning with its path', async () => {
    const { inventory } = await loadInventoryOrThrow(inv)
    const who = await operatorIdentity(inventory, env(), lab)
    const { targets } = await stationTargets(inventory, inventory.stations.filter((s) => s.id === GAOJILI), home, lab)
    const target = targets[0]!.target
    const content = Buffer.from("config system\n\toption hostname 'gaojili'\n\toption timezone 'CST-8'\n")
    const sha = createHash('sha256').update(content).digest('hex')
    const opts = { identity: who.ssh, retry: { attempts: 3, baseMs: 200, maxMs: 1000 } }
    const s1 = await connect(target, opts)
    await new StationClient(s1).apply('health-it-1', 120, [`${sha} 0644 - /etc/config/system`], [{ path: '/etc/config/system', content }])
    await s1.close()
    const s2 = await connect(target, opts)
    await new StationClient(s2).confirm('health-it-1')
    await s2.close()
    expect(stationOf(await health(), GAOJILI).checks.find((c) => c.id === 'drift')?.state).toBe('ok')

    // Someone edits the file by hand on the station.
    await writeFile(path.join(lab.stations.find((s) => s.id === GAOJILI)!.root, 'etc/config/system'), "config system\n\toption hostname 'edited'\n")
    const s = stationOf(await health(), GAOJILI)
    const drift = s.checks.find((c) => c.id === 'drift')!
    expect(s.state).toBe('warning')
    expect(drift.state).toBe('warning')
    expect(drift.value).toEqual(['/etc/config/system'])
    expect(drift.reason.en).toContain('1 config file changed since the last confirmed push: /etc/config/system')
  })

  it('station down: critical "cannot reach", the other station unaffected, exit needs attention', async () => {
    await setLabFault({ home, selector: JIANGKOU, assignments: ['unreachable=true'] })
    try {
      const r = await healthUntil((x) => !stationOf(x, JIANGKOU).answered)
      const s = stationOf(r, JIANGKOU)
      expect(s.state).toBe('critical')
      expect(s.answered).toBe(false)
      const c = s.checks.find((x) => x.id === 'reachable')!
      expect(c.value).toBe('unreachable')
      expect(c.reason.en).toMatch(/^cannot reach the station \(/)
      expect(c.reason.zh).toContain('无法连接站点')
      expect(stationOf(r, GAOJILI).answered).toBe(true)
      expect(r.townAlerts).toEqual([]) // one station is not a town outage
    } finally {
      await clearLabFault({ home, selector: JIANGKOU })
    }
  })

  it('a town admin (by their SSH key) sees only their town; asking for another town exits 3 naming them', async () => {
    const r = await health({}, { LASTMILE_SSH_KEY: townKeyFile })
    expect(r.operator).toBe('fengcheng-admin-1')
    expect(r.stations.map((s) => s.id)).toEqual([GAOJILI])
    expect(r.stations[0]!.answered).toBe(true)
    const err = await health({ towns: ['feilaixia'] }, { LASTMILE_SSH_KEY: townKeyFile }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InvalidInputError)
    expect((err as InvalidInputError).exitCode).toBe(3)
    expect((err as InvalidInputError).message).toContain('operator fengcheng-admin-1 (凤城管理员) may only see 凤城街道 (fengcheng, 441802006000)')
    const byStation = await health({ stations: [JIANGKOU] }, { LASTMILE_SSH_KEY: townKeyFile }).catch((e: unknown) => e)
    expect((byStation as InvalidInputError).exitCode).toBe(3)
    // Practising as a town admin on the lab key (training): same scope.
    const practice = await health({}, { LASTMILE_OPERATOR: 'feilaixia-admin-1' })
    expect(practice.stations.map((s) => s.id)).toEqual([JIANGKOU])
  })
})

describe('lastmile health --lab: a whole town unreachable', () => {
  let townHome: string
  let townInv: string
  let townLab: LabTarget

  beforeAll(async () => {
    // Two real towns of the Qingcheng inventory: Henghe (10 stations) and Longtang.
    townHome = await mkdtemp(path.join(tmpdir(), 'lastmile-health-town-'))
    townInv = path.join(townHome, 'inventory')
    await mkdir(path.join(townInv, 'towns'), { recursive: true })
    for (const f of ['district.yaml', 'operators.yaml', 'towns/henghe.yaml', 'towns/longtang.yaml']) await cp(path.join('inventory/qingcheng', f), path.join(townInv, f))
    await startLab({ home: townHome, inventoryDir: townInv, port: 0, preinstallAgent: true })
    townLab = await readLabTarget(townHome)
  })

  afterAll(async () => {
    await stopLab({ home: townHome })
    await rm(townHome, { recursive: true, force: true })
  })

  it('one town alert instead of ten criticals; the stations are unknown "behind the town\'s uplink"', async () => {
    await setLabFault({ home: townHome, selector: 'henghe', assignments: ['unreachable=true'] })
    const run = () => healthFromCli({ inventoryDir: townInv, lab: true, env: { ...env(), HOME: townHome, LASTMILE_HOME: townHome }, concurrency: 8 })
    let r = await run()
    for (let i = 1; i < 20 && r.townAlerts.length === 0; i++) {
      await new Promise((res) => setTimeout(res, 250))
      r = await run()
    }
    const henghe = townLab.stations.filter((s) => s.town?.slug === 'henghe' || s.id.startsWith('441802009'))
    expect(r.townAlerts).toHaveLength(1)
    const a = r.townAlerts[0]!
    expect(a.town.slug).toBe('henghe')
    expect(a.unreachable).toBe(henghe.length)
    expect(a.total).toBe(henghe.length)
    expect(a.reason.en).toMatch(new RegExp(`^town uplink down: ${henghe.length}/${henghe.length} stations unreachable since `))
    expect(a.reason.zh).toContain('横荷街道镇级上行线路中断')
    const hs = r.stations.filter((s) => s.town.slug === 'henghe')
    expect(hs.every((s) => s.state === 'unknown' && s.behindTownAlert === a.town.code)).toBe(true)
    expect(hs[0]!.checks.find((c) => c.id === 'reachable')!.reason.en).toBe("behind the town's uplink (see town alert)")
    expect(r.stations.filter((s) => s.town.slug === 'longtang').every((s) => s.answered)).toBe(true)
    expect(r.stations.filter((s) => s.state === 'critical' && s.town.slug === 'henghe')).toEqual([])
  })
})
