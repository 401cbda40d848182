/**
 * Generates the real Qingcheng inventory (inventory/qingcheng/) ONCE from the
 * NBS division list. The generated files are committed and edited by hand from
 * then on; this script stays so the planning figures can be traced and, if
 * needed, regenerated into a scratch directory for comparison.
 *
 *   npx tsx scripts/generate-inventory.ts [--source FILE] [--out DIR] [--force]
 *
 * Real data (copied in): town and committee names, NBS codes, kinds, town
 * membership, pinyin. Everything else is planning data drawn from a seeded
 * PRNG, so reruns give identical files. `generateInventory()` is the pure core
 * (tests/inventory/generator.test.ts runs it twice and loads its output).
 */
import { createHash } from 'node:crypto'
import { access, mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { MAX_SSID_BYTES, utf8Bytes } from '../src/inventory/cross-checks/wifi.js'

// ── source data ────────────────────────────────────────────────────────────

export interface DivisionVillage {
  name: string
  short: string
  code: string
  kind: '居委会' | '村委会'
  ur_code: string
  pinyin_auto?: string
  slug_auto: string
}

export interface DivisionTown {
  name: string
  official_name: string
  type: '街道' | '镇'
  pinyin: string
  slug: string
  code: string
  villages: DivisionVillage[]
}

export interface Divisions {
  meta: { district: { name: string; pinyin: string; code: string; city: { name: string; code: string } } }
  towns: DivisionTown[]
}

export const DEFAULT_SOURCE = 'inventory/qingcheng/source/qingcheng-divisions.yaml'
export const DEFAULT_SEED = 'qingcheng-2015'

/** The committee that gets `hasStation: false` (see README: it most likely postdates the 2015 programme). */
const NO_STATION: Record<string, string> = {
  '441802106005': '美林湖新城社区，很可能在2015年规划之后才设立，暂无服务站 (new-town community that most likely postdates the 2015 programme)',
}

export const PROGRAMME = { year: 2015, towns: 8, stations: 152, ecommerceStations: 112, settopBoxHouseholds: 30_000, infoPoints: 1_000 }

// ── seeded randomness ──────────────────────────────────────────────────────

/** sfc32 seeded from sha256(label): a small, good PRNG; one stream per purpose so edits stay local. */
export function prng(label: string): () => number {
  const h = createHash('sha256').update(label).digest()
  let a = h.readUInt32LE(0)
  let b = h.readUInt32LE(4)
  let c = h.readUInt32LE(8)
  let d = h.readUInt32LE(12)
  return () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0
    const t = (a + b) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    d = (d + 1) | 0
    const r = (t + d) | 0
    c = (c + r) | 0
    return (r >>> 0) / 4294967296
  }
}

type Rng = () => number
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!
const chance = (rng: Rng, p: number): boolean => rng() < p
const intIn = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1))
function weighted<T>(rng: Rng, options: ReadonlyArray<readonly [T, number]>): T {
  const total = options.reduce((n, [, w]) => n + w, 0)
  let x = rng() * total
  for (const [v, w] of options) if ((x -= w) < 0) return v
  return options[options.length - 1]![0]
}

/** Integers proportional to `weights` that sum to exactly `total` (largest remainder). */
export function apportion(weights: readonly number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0)
  const exact = weights.map((w) => (w / sum) * total)
  const out = exact.map(Math.floor)
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i)
  const missing = total - out.reduce((a, b) => a + b, 0)
  for (let k = 0; k < missing; k++) out[order[k]!.i]!++
  return out
}

/** Exactly `k` indices drawn with probability ∝ weight (Efraimidis–Spirakis). */
function weightedSample(rng: Rng, weights: readonly number[], k: number): Set<number> {
  const keys = weights.map((w, i) => ({ i, key: Math.pow(rng(), 1 / w) }))
  return new Set(keys.sort((a, b) => b.key - a.key || a.i - b.i).slice(0, k).map((x) => x.i))
}

// ── dates ──────────────────────────────────────────────────────────────────

const DAY = 86_400_000
const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`)
const iso = (t: number): string => new Date(t).toISOString().slice(0, 10)
const dateIn = (rng: Rng, from: string, to: string): number => day(from) + intIn(rng, 0, Math.round((day(to) - day(from)) / DAY)) * DAY
const clampDate = (t: number, from: string, to: string): number => Math.min(Math.max(t, day(from)), day(to))

// ── an OpenSSH ed25519 public key from 32 seeded bytes ─────────────────────

/**
 * Wire format: string "ssh-ed25519" + string <32 bytes>, base64. The bytes are
 * a hash, not derived from a private key, so nobody holds a matching private
 * key: these are placeholders each operator replaces with their own.
 */
export function placeholderEd25519(label: string, comment: string): string {
  const key = createHash('sha256').update(`ed25519:${label}`).digest()
  const str = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b])
  return `ssh-ed25519 ${Buffer.concat([str(Buffer.from('ssh-ed25519')), str(key)]).toString('base64')} ${comment}`
}

// ── catalogues (planning values) ───────────────────────────────────────────

const PC_MODELS = ['联想启天M4600', '联想启天M428', '清华同方超扬A7500', '方正文祥E520', '长城世恒TD-C']
const TV_MODELS = ['创维 55M6', 'TCL L55F3800A', '海信 LED55K300U', '长虹 55U3C']
const STB_MODELS = ['华为 EC6108V9', '中兴 ZXV10 B860AV1.1', '创维 E900']
const ESEALS = [['天威诚信 iTrusKey', '1ea8:fc02'], ['飞天诚信 ePass3003', '096e:0309']] as const
const SIGNATURE_PADS = [['汉王 ESP560', '0b57:8030'], ['汉王 ESP370', '0b57:8012']] as const
const FINGERPRINT = [['中控 ZK4500', '1b55:4500'], ['中控 SLK20R', '1b55:0120']] as const
const DOC_CAMERAS = [['良田 S1800', '0ac8:3610'], ['良田 S500L', '0ac8:3420']] as const
const SCANNERS = [['汉王 A10', '0b57:a010']] as const
const CAMERAS = [['海康威视 DS-U12', '2bdf:0280'], ['罗技 C270', '046d:0825']] as const
const COPIERS = ['佳能 iR2204N', '联想 M7400 Pro', '兄弟 DCP-7080D']
const FAXES = ['松下 KX-FL338CN']
const APN: Record<string, string> = { 移动: 'cmnet', 联通: '3gnet', 电信: 'ctnet' }

const SURNAMES = ['陈', '李', '黄', '张', '梁', '林', '刘', '吴', '罗', '何', '郑', '谢', '朱', '邓', '冯', '曾', '彭', '潘', '苏', '钟', '叶', '欧阳']
const GIVEN = ['志强', '伟明', '丽华', '嘉欣', '建华', '海燕', '国平', '晓峰', '少芬', '永康', '文杰', '淑仪', '俊杰', '秀英', '锦辉', '玉婷', '家豪', '惠玲', '国栋', '美玲', '振宇', '碧霞', '宏亮', '翠萍', '子健', '佩珊']

// ── the plan ───────────────────────────────────────────────────────────────

interface PlannedStation {
  v: DivisionVillage
  town: DivisionTown
  townIndex: number
  stationIndex: number
  active: boolean
  canary: boolean
  ecommerce: boolean
  households: number
  infoPoints: number
  wifi: boolean
}

function townShort(t: DivisionTown): string {
  return t.name.replace(/(街道|镇)$/u, '')
}

/** 居委会 at the town centre: the one named after the town, else the first 主城区/镇中心区 one. */
function canaryOf(t: DivisionTown): string {
  const active = t.villages.filter((v) => !NO_STATION[v.code])
  const communities = active.filter((v) => v.kind === '居委会')
  const c = communities.find((v) => v.short === townShort(t)) ?? communities.find((v) => v.ur_code === '111' || v.ur_code === '121') ?? communities[0] ?? active[0]
  if (!c) throw new Error(`${t.name} has no active committee`)
  return c.code
}

function plan(div: Divisions, seed: string): PlannedStation[] {
  const towns = [...div.towns].sort((a, b) => a.code.localeCompare(b.code))
  const all: PlannedStation[] = []
  towns.forEach((town, ti) => {
    const canary = canaryOf(town)
    ;[...town.villages]
      .sort((a, b) => a.code.localeCompare(b.code))
      .forEach((v, si) => {
        const rng = prng(`${seed}:station:${v.code}`)
        const active = !NO_STATION[v.code]
        all.push({
          v, town, townIndex: ti + 1, stationIndex: si + 1, active, canary: v.code === canary,
          ecommerce: false, households: 0, infoPoints: 0,
          wifi: active && chance(rng, v.kind === '村委会' ? 0.65 : 0.42),
        })
      })
  })
  const active = all.filter((s) => s.active)
  // Programme figures: exact totals, spread by plausible weights (villages sell more online and have more STB households).
  const g = prng(`${seed}:programme`)
  const ecomWeight = (s: PlannedStation): number => (s.v.kind === '村委会' ? 0.95 : s.v.ur_code === '111' ? 0.45 : s.v.ur_code === '112' ? 0.6 : 0.8)
  const ecom = weightedSample(g, active.map(ecomWeight), PROGRAMME.ecommerceStations)
  const hhBase: Record<string, number> = { '111': 140, '112': 170, '121': 200, '122': 220, '220': 260 }
  const households = apportion(active.map((s) => (hhBase[s.v.ur_code] ?? 200) * (0.6 + 0.8 * g())), PROGRAMME.settopBoxHouseholds)
  const ipWeights = active.map((s) => (s.v.kind === '村委会' ? 8 : 5) * (0.6 + 0.8 * g()))
  const info = apportion(ipWeights, PROGRAMME.infoPoints - 2 * active.length).map((n) => n + 2)
  active.forEach((s, i) => {
    s.ecommerce = ecom.has(i)
    s.households = households[i]!
    s.infoPoints = info[i]!
  })
  return all
}

// ── YAML emitting (hand-editable layout like tests/fixtures/inventory-mini) ─

/** A scalar as YAML: plain when unambiguous, else single-quoted (codes and dates are always quoted). */
export function scalar(v: string | number | boolean): string {
  if (typeof v !== 'string') return String(v)
  if (/^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/.test(v)) return v // addresses and subnets read fine unquoted
  const plainOk = v !== '' && !/^[\d\s'"@`!&*%|>?:,[\]{}#-]/.test(v) && !/[:#,[\]{}]|\s$/.test(v) && !/^(true|false|null|yes|no|on|off|~)$/i.test(v)
  return plainOk ? v : `'${v.replace(/'/g, "''")}'`
}

interface Flow {
  [key: string]: string | number | boolean | Flow | undefined
}
function flow(o: Flow): string {
  const parts = Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? flow(v) : scalar(v as string | number | boolean)}`)
  return `{ ${parts.join(', ')} }`
}

function publicSsid(town: DivisionTown, v: DivisionVillage): string {
  const suffix = v.kind === '村委会' ? '村' : '社区'
  const candidates = [`清城${townShort(town)}${v.short}${suffix}`, `清城${townShort(town)}${v.short}`, `${townShort(town)}${v.short}`]
  const fit = candidates.find((c) => utf8Bytes(c) <= MAX_SSID_BYTES)
  if (fit) return fit
  let s = v.short
  while (utf8Bytes(s) > MAX_SSID_BYTES) s = [...s].slice(0, -1).join('')
  return s
}

function staffSsid(v: DivisionVillage): string {
  const ssid = `QC-${v.slug_auto}-${v.code.slice(9)}`
  if (!/^[A-Za-z0-9-]+$/.test(ssid) || utf8Bytes(ssid) > MAX_SSID_BYTES) throw new Error(`staff SSID ${ssid} is not short ASCII`)
  return ssid
}

function pppoeUser(rng: Rng, carrier: string): string {
  const digits = (n: number): string => Array.from({ length: n }, () => intIn(rng, 0, 9)).join('')
  if (carrier === '电信') return `0763${digits(8)}@163.gd`
  if (carrier === '联通') return `qy0763${digits(7)}`
  return `0763${digits(8)}@gd.cmcc`
}

interface StationLines {
  lines: string[]
}

function stationYaml(s: PlannedStation, seed: string, channel2g: number | undefined, channel5g: number | undefined): StationLines {
  const { v } = s
  const rng = prng(`${seed}:station-detail:${v.code}`)
  const L: string[] = []
  const net = `10.${20 + s.townIndex}.${s.stationIndex}`
  const id = v.code
  if (!s.active) {
    L.push(`  # ${v.name} is a new-town community (the 美林湖 development) that most likely postdates the 2015 programme:`)
    L.push('  # kept with hasStation: false so the NBS list stays complete (153 committees, 152 service stations).')
  }
  L.push(`  - id: ${scalar(id)}`, `    name: ${scalar(v.name)}`, `    short: ${scalar(v.short)}`, `    kind: ${v.kind}`)
  if (!s.active) L.push('    hasStation: false', `    note: ${scalar(NO_STATION[id]!)}`)
  if (s.canary) L.push('    canary: true')
  L.push(`    management: ${flow({ address: `10.250.${s.townIndex}.${s.stationIndex}` })}`)
  L.push('    lan:')
  L.push(`      management: ${flow({ vlan: 10, subnet: `${net}.224/28` })}`)
  L.push(`      office: ${flow({ vlan: 20, subnet: `${net}.0/25` })}`)
  if (s.wifi) L.push(`      publicWifi: ${flow({ vlan: 30, subnet: `${net}.128/26` })}`)
  L.push(`      iptv: ${flow({ vlan: 40, subnet: `${net}.192/27` })}`)

  if (s.active) {
    const townRng = prng(`${seed}:town-procurement:${s.town.code}`)
    const pcModel = pick(townRng, PC_MODELS)
    const tvModel = pick(townRng, TV_MODELS)
    const stbModel = pick(townRng, STB_MODELS)
    const dev: string[] = []
    dev.push(flow({ type: 'computer', model: pcModel, count: v.kind === '村委会' ? intIn(rng, 6, 10) : intIn(rng, 5, 9) }))
    dev.push(flow({ type: 'tv', model: tvModel }))
    dev.push(flow({ type: 'set-top-box', model: stbModel }))
    const usbDev = (type: string, [model, usb]: readonly [string, string], count?: number): string => flow({ type, model, ...(count && count > 1 ? { count } : {}), usb })
    if (chance(rng, 0.95)) dev.push(usbDev('e-seal', pick(rng, ESEALS)))
    if (chance(rng, 0.9)) dev.push(usbDev('signature-pad', pick(rng, SIGNATURE_PADS)))
    if (chance(rng, 0.85)) dev.push(usbDev('fingerprint-reader', pick(rng, FINGERPRINT)))
    dev.push(usbDev('document-camera', pick(rng, DOC_CAMERAS)))
    if (chance(rng, 0.6)) dev.push(usbDev('handheld-scanner', pick(rng, SCANNERS)))
    if (chance(rng, 0.75)) dev.push(usbDev('camera', pick(rng, CAMERAS), intIn(rng, 1, 2)))
    if (chance(rng, 0.7)) dev.push(flow({ type: 'copier', model: pick(rng, COPIERS) }))
    if (chance(rng, 0.35)) dev.push(flow({ type: 'fax', model: pick(rng, FAXES) }))
    L.push('    devices:', ...dev.map((d) => `      - ${d}`))
  }

  if (s.wifi) {
    L.push('    wifi:')
    L.push(`      radio2g: ${flow({ channel: channel2g })}`)
    if (channel5g !== undefined) L.push(`      radio5g: ${flow({ channel: channel5g })}`)
    L.push(`      staff: ${flow({ ssid: staffSsid(v), encryption: chance(rng, 0.7) ? 'psk2' : 'sae-mixed', key: { secret: `wifi/${id}/staff` } })}`)
    L.push(`      public: ${flow({ ssid: publicSsid(s.town, v), encryption: 'none' })}`)
  }

  // WAN by NBS urban-rural class: fibre in the city, ADSL and 4G in the villages.
  const mix: Record<string, ReadonlyArray<readonly ['fibre' | 'adsl' | '4g', number]>> = {
    '111': [['fibre', 90], ['adsl', 10]],
    '112': [['fibre', 60], ['adsl', 30], ['4g', 10]],
    '121': [['fibre', 60], ['adsl', 35], ['4g', 5]],
    '122': [['fibre', 35], ['adsl', 45], ['4g', 20]],
    '220': [['fibre', 15], ['adsl', 50], ['4g', 35]],
  }
  let fibre: Flow
  if (!s.active) {
    L.push(`    wan: ${flow({ type: 'fibre', carrier: '电信', proto: 'dhcp', bandwidthMbps: 100 })}`)
    fibre = { status: 'not-needed' }
  } else {
    const type = weighted(rng, mix[v.ur_code] ?? mix['122']!)
    const upgradeCarrier = weighted(rng, [['电信', 60], ['移动', 25], ['联通', 15]] as const)
    let carrier: string
    if (type === 'fibre') {
      const already = v.ur_code === '111' && chance(rng, 0.5)
      carrier = already ? '电信' : upgradeCarrier
      if (already) fibre = { status: 'not-needed' }
      else {
        const planned = dateIn(rng, '2015-06-01', '2017-06-30')
        const started = clampDate(planned - intIn(rng, 0, 60) * DAY, '2015-03-01', '2017-10-31')
        const completed = clampDate(started + intIn(rng, 10, 75) * DAY, '2015-04-01', '2017-12-31')
        fibre = { status: 'done', carrier, planned: iso(planned), started: iso(started), completed: iso(completed) }
      }
      const proto = chance(rng, 0.6) ? 'dhcp' : 'pppoe'
      L.push('    wan:', `      type: fibre`, `      carrier: ${carrier}`, `      proto: ${proto}`, `      bandwidthMbps: ${pick(rng, [50, 100, 100, 200])}`)
      if (proto === 'pppoe') L.push(`      pppoe: ${flow({ username: pppoeUser(rng, carrier), password: { secret: `pppoe/${id}` } })}`)
    } else {
      if (type === 'adsl') {
        carrier = weighted(rng, [['电信', 80], ['联通', 20]] as const)
        L.push('    wan:', '      type: adsl', `      carrier: ${carrier}`, '      proto: pppoe', `      bandwidthMbps: ${pick(rng, [4, 8, 8, 20])}`)
        L.push(`      pppoe: ${flow({ username: pppoeUser(rng, carrier), password: { secret: `pppoe/${id}` } })}`)
      } else {
        carrier = weighted(rng, [['移动', 60], ['联通', 20], ['电信', 20]] as const)
        L.push('    wan:', '      type: 4g', `      carrier: ${carrier}`, '      proto: qmi', `      bandwidthMbps: ${pick(rng, [20, 50])}`, '      device: wwan0', `      apn: ${APN[carrier]}`)
      }
      if (chance(rng, 0.35)) {
        const started = dateIn(rng, '2016-09-01', '2017-10-31')
        fibre = { status: 'in-progress', carrier: upgradeCarrier, planned: iso(clampDate(started + intIn(rng, 30, 120) * DAY, '2016-10-01', '2017-12-31')), started: iso(started) }
      } else {
        fibre = { status: 'planned', carrier: upgradeCarrier, planned: iso(dateIn(rng, '2016-10-01', '2017-12-31')) }
      }
    }
    if (type !== '4g' && (s.canary || chance(rng, 0.3))) {
      const backup = carrier === '移动' ? '联通' : '移动'
      L.push(`    wanBackup: ${flow({ type: '4g', carrier: backup, apn: APN[backup] })}`)
    }
  }
  L.push(`    fibreUpgrade: ${flow(fibre)}`)
  L.push(`    ecommerce: ${s.ecommerce}`, `    settopBoxHouseholds: ${s.households}`, `    infoPoints: ${s.infoPoints}`)
  L.push(`    tunnel: ${flow({ privateKey: { secret: `wireguard/${id}` } })}`)
  return { lines: L }
}

const GENERATED = 'generated once by scripts/generate-inventory.ts; edit by hand from now on'
const SOURCE_NOTE = '# Names, NBS codes, kinds and town membership are real (NBS 2016-07-31 via Vonng/adcode, CC BY 4.0);\n# everything else is planning data. See README.md in the inventory folder.'

function townFileText(town: DivisionTown, stations: PlannedStation[], seed: string): string {
  const rng = prng(`${seed}:town:${town.code}`)
  const uplink = town.type === '街道' ? { carrier: '电信', bandwidthMbps: 1000 } : { carrier: pick(rng, ['电信', '电信', '移动']), bandwidthMbps: pick(rng, [500, 1000]) }
  const out: string[] = [
    '# yaml-language-server: $schema=../../../schema/town.schema.json',
    `# ${town.name} (${town.code}): ${stations.length} committees, ${stations.filter((s) => s.active).length} service stations.`,
    `# ${GENERATED}.`,
    SOURCE_NOTE,
    'town:',
    `  code: ${scalar(town.code)}`,
    `  name: ${town.name}`,
    ...(town.official_name !== town.name ? [`  officialName: ${town.official_name}`] : []),
    `  slug: ${town.slug}`,
    `  kind: ${town.type}`,
    `  pinyin: ${town.pinyin}`,
    `  uplink: ${flow(uplink)}`,
    'stations:',
  ]
  // 2.4 GHz 1/6/11 rotated so consecutive WiFi stations (code order) differ; 5 GHz mostly 149–161 (no DFS, 33 dBm).
  const start = intIn(rng, 0, 2)
  let k = 0
  for (const s of stations) {
    let c2: number | undefined
    let c5: number | undefined
    if (s.wifi) {
      c2 = [1, 6, 11][(start + k) % 3]
      const r = prng(`${seed}:radio5g:${s.v.code}`)
      if (chance(r, 0.85)) c5 = chance(r, 0.8) ? [149, 153, 157, 161][k % 4] : [36, 40, 44, 48][k % 4]
      k++
    }
    out.push(...stationYaml(s, seed, c2, c5).lines)
  }
  return out.join('\n') + '\n'
}

function districtFileText(div: Divisions): string {
  const d = div.meta.district
  const p = PROGRAMME
  return [
    '# yaml-language-server: $schema=../../schema/district.schema.json',
    `# ${d.name} (${d.code}): the district, its WireGuard hub, cloud side, VLAN plan and programme targets.`,
    `# ${GENERATED}.`,
    SOURCE_NOTE,
    'district:',
    `  code: ${scalar(d.code)}`,
    `  name: ${d.name}`,
    `  pinyin: ${d.pinyin}`,
    `  city: ${flow({ code: d.city.code, name: d.city.name })}`,
    '  hub:',
    '    endpoint: hub.qcq.example.cn:51820',
    '    publicKey: VrH4jF1jfrkiRBJEoQMNbPFpMv+ksKPrtumRcqZWVc4=',
    '    address: 10.250.0.1',
    '    # every station management address is 10.250.<town index>.<station index> inside this subnet',
    '    tunnelSubnet: 10.250.0.0/16',
    '  cloud:',
    '    subnet: 10.100.0.0/16',
    `    portal: ${flow({ address: '10.100.20.10', url: 'http://portal.qcq.example.cn/' })}`,
    `    monitoring: ${flow({ address: '10.100.30.10' })}`,
    '    dns: [10.100.0.53]',
    '    ntp: [10.100.0.123]',
    '  # station LANs: 10.<20+town index>.<station index>.0/24 = office .0/25, publicWifi .128/26, iptv .192/27, management .224/28',
    `  vlans: ${flow({ management: 10, office: 20, publicWifi: 30, iptv: 40 })}`,
    '  defaults:',
    `    ssh: ${flow({ user: 'root', port: 22 })}`,
    '  # config ids are HMACs under this key, so an id in a report cannot be used to guess a weak password',
    '  configIdKey: { secret: district/config-id-key }',
    `  rollout: ${flow({ maxConcurrent: 20, perTownConcurrent: 4, confirmWithinSeconds: 120 })}`,
    '  # what the 2015 programme promised (打通服务群众的"最后一公里"); `lastmile inventory show` compares the totals with it',
    '  programme:',
    `    year: ${p.year}`,
    `    towns: ${p.towns}`,
    `    stations: ${p.stations}`,
    `    ecommerceStations: ${p.ecommerceStations}`,
    `    settopBoxHouseholds: ${p.settopBoxHouseholds}`,
    `    infoPoints: ${p.infoPoints}`,
  ].join('\n') + '\n'
}

function operatorsFileText(div: Divisions, seed: string): string {
  const rng = prng(`${seed}:operators`)
  const used = new Set<string>()
  const name = (): string => {
    for (let i = 0; i < 1000; i++) {
      const n = pick(rng, SURNAMES) + pick(rng, GIVEN)
      if (!used.has(n)) {
        used.add(n)
        return n
      }
    }
    throw new Error('ran out of operator names')
  }
  const out: string[] = [
    '# yaml-language-server: $schema=../../schema/operators.schema.json',
    '# Who may run lastmile: district admins (区信息中心) reach every town; town admins only theirs.',
    `# ${GENERATED}.`,
    '# Names are placeholders and so are the keys (no private key exists for them):',
    '# each person replaces sshPublicKey with their own (`ssh-keygen -t ed25519`, then the .pub line).',
    'operators:',
  ]
  const entry = (id: string, role: 'district' | 'town', towns: string[]): void => {
    out.push(`  - id: ${id}`, `    name: ${name()}`, `    role: ${role}`)
    if (towns.length > 0) out.push(`    towns: [${towns.map(scalar).join(', ')}]`)
    out.push(`    sshPublicKey: ${placeholderEd25519(`${seed}:${id}`, `${id}@qingcheng`)}`)
  }
  const districtAdmins = intIn(rng, 2, 3)
  for (let i = 1; i <= districtAdmins; i++) entry(`district-admin-${i}`, 'district', [])
  for (const t of [...div.towns].sort((a, b) => a.code.localeCompare(b.code))) {
    const n = intIn(rng, 2, 3)
    for (let i = 1; i <= n; i++) entry(`${t.slug}-admin-${i}`, 'town', [t.code])
  }
  return out.join('\n') + '\n'
}

/**
 * The pure core: division data in, file contents out (paths relative to the
 * inventory directory). Same input and seed → byte-identical output.
 */
export function generateInventory(div: Divisions, opts: { seed?: string } = {}): Record<string, string> {
  const seed = opts.seed ?? DEFAULT_SEED
  const stations = plan(div, seed)
  const files: Record<string, string> = {
    'district.yaml': districtFileText(div),
    'operators.yaml': operatorsFileText(div, seed),
  }
  for (const town of [...div.towns].sort((a, b) => a.code.localeCompare(b.code))) {
    files[`towns/${town.slug}.yaml`] = townFileText(town, stations.filter((s) => s.town === town), seed)
  }
  const active = stations.filter((s) => s.active)
  const wifiShare = active.filter((s) => s.wifi).length / active.length
  if (active.length !== PROGRAMME.stations || div.towns.length !== PROGRAMME.towns || wifiShare < 0.4 || wifiShare > 0.6) {
    throw new Error(`generated figures do not fit the programme: ${div.towns.length} towns, ${active.length} stations, WiFi ${Math.round(wifiShare * 100)}%`)
  }
  return files
}

export function parseDivisions(text: string): Divisions {
  const d = parseYaml(text) as Divisions
  if (!d?.meta?.district || !Array.isArray(d.towns)) throw new Error('not a divisions file: expected meta.district and towns[]')
  return d
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const source = arg('--source') ?? DEFAULT_SOURCE
  const outDir = arg('--out') ?? 'inventory/qingcheng'
  const force = argv.includes('--force')
  const files = generateInventory(parseDivisions(await readFile(source, 'utf8')))
  // The committed files are edited by hand: never overwrite them by accident.
  for (const rel of Object.keys(files)) {
    const file = path.join(outDir, rel)
    const exists = await access(file).then(() => true, () => false)
    if (exists && !force) throw new Error(`${file} exists and is edited by hand now; write elsewhere with --out DIR, or pass --force`)
  }
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(outDir, rel)
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, text, 'utf8')
  }
  process.stdout.write(`wrote ${Object.keys(files).length} files to ${outDir}\n`)
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`error: ${(err as Error).message}\n`)
    process.exitCode = 1
  })
}
