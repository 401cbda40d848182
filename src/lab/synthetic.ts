import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import type { Inventory } from '../inventory/model.js'
import { labAddress } from './addresses.js'
import type { LabPlan, LabPlanStation } from './plan.js'

/*
 * `lab up --stations N` beyond the inventory: made-up stations for scale runs
 * (the 1,000-station benchmark). Each is a copy of a real station (cycling
 * through them, so the mix of devices, WAN types and WiFi stays realistic) with
 * its own id, address, management address and LAN subnets, in made-up towns.
 *
 * Ids: a real station id is <district 6><town 3><station 3> and the inventory
 * checks insist on that nesting, so synthesized ids are <district 6>9TT<nnn>:
 * town 9TT (NBS uses 001–499 for towns and sub-districts, so 9xx is never real),
 * station 001–399 (≤199 居委会, ≥200 村委会 as the NBS ranges say).
 * `lab up` also writes an inventory with these towns (<home>/lab/inventory/),
 * valid under `inventory validate`, so `rollout --lab` can render their configs.
 */

export const STATIONS_PER_SYNTHETIC_TOWN = 399
export const MAX_SYNTHETIC_TOWNS = 100

export function syntheticTown(districtCode: string, j: number): { code: string; slug: string; name: string } {
  if (j < 0 || j >= MAX_SYNTHETIC_TOWNS) throw new RangeError(`at most ${MAX_SYNTHETIC_TOWNS * STATIONS_PER_SYNTHETIC_TOWN} stations can be synthesized`)
  return { code: `${districtCode.slice(0, 6)}9${String(j).padStart(2, '0')}000`, slug: `lab-synthetic-${j + 1}`, name: `实验室合成${j + 1}镇` }
}

/** Id of the k-th (0-based) synthesized station, e.g. 441802900001. */
export function syntheticStationId(districtCode: string, k: number): string {
  const j = Math.floor(k / STATIONS_PER_SYNTHETIC_TOWN)
  const n = (k % STATIONS_PER_SYNTHETIC_TOWN) + 1
  return `${syntheticTown(districtCode, j).code.slice(0, 9)}${String(n).padStart(3, '0')}`
}

export function isSyntheticId(id: string): boolean {
  return /^\d{6}9\d{5}$/.test(id)
}

// --- tiny IPv4 helpers (addresses as unsigned 32-bit numbers) -----------------------------

export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number)
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`)
  return (((parts[0] ?? 0) << 24) >>> 0) + ((parts[1] ?? 0) << 16) + ((parts[2] ?? 0) << 8) + (parts[3] ?? 0)
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}

interface Range {
  first: number
  last: number
}

export function cidrRange(cidr: string): Range & { len: number } {
  const [ip, lenText] = cidr.split('/')
  const len = Number(lenText)
  const size = 2 ** (32 - len)
  const first = Math.floor(ipToInt(ip ?? '') / size) * size
  return { first, last: first + size - 1, len }
}

const overlaps = (a: Range, b: Range): boolean => a.first <= b.last && b.first <= a.last

/**
 * Management addresses for synthesized stations: from the top of the tunnel
 * subnet downwards, skipping every address the inventory already uses.
 */
export function syntheticManagementAddresses(inv: Inventory, count: number): string[] {
  const tunnel = cidrRange(inv.district.hub.tunnelSubnet)
  const used = new Set([ipToInt(inv.district.hub.address), ...inv.stations.map((s) => ipToInt(s.management.address))])
  const out: string[] = []
  // Bounded: one pass over the tunnel subnet (skip network and broadcast addresses).
  for (let a = tunnel.last - 1; a > tunnel.first && out.length < count; a--) {
    if (!used.has(a)) out.push(intToIp(a))
  }
  if (out.length < count) throw new RangeError(`the tunnel subnet ${inv.district.hub.tunnelSubnet} has room for only ${out.length} more stations, not ${count}`)
  return out
}

/** Free /24 blocks in 10.0.0.0/8 (from 10.255.0.0 down) that overlap no subnet of the inventory. */
export function syntheticLanBlocks(inv: Inventory, count: number): number[] {
  const taken: Range[] = [inv.district.hub.tunnelSubnet, inv.district.cloud.subnet, ...inv.stations.flatMap((s) => Object.values(s.lan).filter(Boolean).map((v) => (v as { subnet: string }).subnet))].map(cidrRange)
  const out: number[] = []
  const ten = ipToInt('10.0.0.0')
  for (let b = 0xffff; b >= 0 && out.length < count; b--) {
    const block = { first: ten + b * 256, last: ten + b * 256 + 255 }
    if (!taken.some((t) => overlaps(t, block))) out.push(block.first)
  }
  if (out.length < count) throw new RangeError(`no room in 10.0.0.0/8 for ${count} synthesized stations`)
  return out
}

/** The plan entries of `count` synthesized stations, copies of `active` in turn. Pure. */
export function synthesizeStations(inv: Inventory, active: readonly LabPlanStation[], count: number, labDir: string): LabPlanStation[] {
  if (count === 0) return []
  const mgmt = syntheticManagementAddresses(inv, count)
  const out: LabPlanStation[] = []
  for (let k = 0; k < count; k++) {
    const template = active[k % active.length]
    if (!template) throw new RangeError('there is no inventory station to copy')
    const id = syntheticStationId(inv.district.code, k)
    out.push({
      ...template,
      id,
      name: `合成站点${k + 1}`,
      town: syntheticTown(inv.district.code, Math.floor(k / STATIONS_PER_SYNTHETIC_TOWN)),
      host: labAddress({ town: 'synthetic', index: k }),
      root: path.join(labDir, 'stations', id),
      managementAddress: mgmt[k] as string,
      devices: template.devices.map((d) => ({ ...d })),
      synthetic: true,
      template: template.id,
    })
  }
  return out
}

type Raw = Record<string, unknown>

/** A template station's YAML entry with everything that must be unique replaced. */
export function cloneStationSpec(raw: Raw, st: LabPlanStation, n: number, lanBlock: number, canary: boolean): Raw {
  const c = structuredClone(raw)
  const suffix = st.id.slice(-6)
  c.id = st.id
  c.name = st.name
  c.short = `合成${suffix}`
  c.kind = n <= 199 ? '居委会' : '村委会'
  c.hasStation = true
  c.canary = canary
  delete c.note
  c.management = { address: st.managementAddress }
  const lan = c.lan as Record<string, { vlan: number; subnet: string } | undefined>
  for (const [purpose, v] of Object.entries(lan)) {
    if (!v) continue
    const r = cidrRange(v.subnet)
    if (r.len < 24) throw new RangeError(`cannot copy station ${st.template}: its lan.${purpose} subnet ${v.subnet} is larger than a /24`)
    lan[purpose] = { ...v, subnet: `${intToIp(lanBlock + (r.first & 255))}/${r.len}` }
  }
  const wifi = c.wifi as { staff: Raw; public: Raw } | undefined
  if (wifi) {
    wifi.staff = { ...wifi.staff, ssid: `QC-lab-${suffix}-staff`, key: { secret: `wifi/${st.id}/staff` } }
    wifi.public = { ...wifi.public, ssid: `QC-lab-${suffix}` }
  }
  const wan = c.wan as Raw & { pppoe?: Raw }
  if (wan.pppoe) wan.pppoe = { username: `lab${suffix}`, password: { secret: `pppoe/${st.id}` } }
  c.tunnel = { privateKey: { secret: `wireguard/${st.id}` } }
  const ssh = c.ssh as Raw | undefined
  if (ssh) delete ssh.hostKey
  return c
}

/**
 * Writes <labDir>/inventory: the source inventory byte for byte, plus one town
 * file per synthetic town. Replaces what an earlier `lab up` wrote there.
 */
export async function writeSyntheticInventory(inv: Inventory, plan: LabPlan): Promise<void> {
  const synthetic = plan.stations.filter((s) => s.synthetic)
  if (synthetic.length === 0) return
  const out = plan.inventory
  await rm(out, { recursive: true, force: true })
  await mkdir(path.join(out, 'towns'), { recursive: true })
  const src = plan.sourceInventory
  await copyFile(path.join(src, 'district.yaml'), path.join(out, 'district.yaml'))
  await copyFile(path.join(src, 'operators.yaml'), path.join(out, 'operators.yaml'))
  for (const f of await readdir(path.join(src, 'towns'))) {
    if (f.endsWith('.yaml') || f.endsWith('.yml')) await copyFile(path.join(src, 'towns', f), path.join(out, 'towns', f))
  }
  const rawByFile = new Map<string, Raw[]>()
  const rawStation = async (id: string): Promise<Raw> => {
    const s = inv.stations.find((x) => x.id === id)
    if (!s) throw new Error(`template station ${id} is not in the inventory`)
    let list = rawByFile.get(s.source.file)
    if (!list) {
      list = (parseYaml(await readFile(s.source.file, 'utf8')) as { stations: Raw[] }).stations
      rawByFile.set(s.source.file, list)
    }
    return list[s.source.index] as Raw
  }
  const blocks = syntheticLanBlocks(inv, synthetic.length)
  const byTown = new Map<string, Raw[]>()
  const townOf = new Map<string, LabPlanStation['town']>()
  for (const [k, st] of synthetic.entries()) {
    const n = (k % STATIONS_PER_SYNTHETIC_TOWN) + 1
    const list = byTown.get(st.town.code) ?? []
    list.push(cloneStationSpec(await rawStation(st.template ?? ''), st, n, blocks[k] as number, n === 1))
    byTown.set(st.town.code, list)
    townOf.set(st.town.code, st.town)
  }
  for (const [code, stations] of byTown) {
    const t = townOf.get(code) as LabPlanStation['town']
    const doc = {
      town: { code, name: t.name, slug: t.slug, kind: '镇', uplink: { carrier: '电信', bandwidthMbps: 1000 } },
      stations,
    }
    const header = `# Generated by \`lastmile lab up --stations ${plan.stations.length}\`: made-up stations for scale runs. Do not edit.\n`
    await writeFile(path.join(out, 'towns', `zz-${t.slug}.yaml`), header + stringifyYaml(doc, { lineWidth: 0 }))
  }
}
