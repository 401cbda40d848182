/**
 * Render benchmark (not a test): `npx tsx bench/render.bench.ts`.
 * Renders every station of inventory/qingcheng (or, until that exists, 152
 * stations cloned from the mini fixture) with the lab's practice secrets,
 * then ×10 the stations, real and real+masked (what `plan` does). Prints ms.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { loadInventoryOrThrow } from '../src/inventory/loader.js'
import { activeStations, type Inventory, type Station } from '../src/inventory/model.js'
import { loadPlatform } from '../src/render/platform.js'
import { renderAll } from '../src/render/render-all.js'
import { SecretResolver, labSource } from '../src/secrets/resolver.js'

const real = path.resolve('inventory/qingcheng')
const useReal = existsSync(path.join(real, 'district.yaml')) && existsSync(path.join(real, 'towns'))
const base = (await loadInventoryOrThrow(useReal ? real : path.resolve('tests/fixtures/inventory-mini'))).inventory

/** `n` active stations: clones of the inventory's active stations with fresh ids, addresses and secret refs. */
function scaled(inv: Inventory, n: number): Inventory {
  const templates = activeStations(inv)
  const stations: Station[] = []
  for (let i = 0; i < n; i++) {
    const t = templates[i % templates.length]!
    const id = `${t.id.slice(0, 9)}${String(400 + i).padStart(3, '0')}`.slice(0, 12)
    const uniqueId = i < 600 ? id : `${t.id.slice(0, 6)}${String(i).padStart(6, '0')}`
    stations.push({
      ...t,
      id: uniqueId,
      management: { address: `10.250.${Math.floor(i / 250) + 10}.${(i % 250) + 1}` },
      tunnel: { privateKey: { secret: `wireguard/${uniqueId}` } },
      ...(t.wifi ? { wifi: { ...t.wifi, staff: { ...t.wifi.staff, key: { secret: `wifi/${uniqueId}/staff` } } } } : {}),
      ...(t.wan.pppoe ? { wan: { ...t.wan, pppoe: { ...t.wan.pppoe, password: { secret: `pppoe/${uniqueId}` } } } } : {}),
    })
  }
  return { ...inv, stations, towns: inv.towns.map((town) => ({ ...town, stations: stations.filter((s) => s.town.code === town.code) })) }
}

const resolver = new SecretResolver([labSource()])
const n152 = useReal ? base : scaled(base, 152)
const n1520 = scaled(n152, activeStations(n152).length * 10)

async function time(label: string, inv: Inventory, masked: boolean, runs = 5): Promise<void> {
  const ms: number[] = []
  const cpu: number[] = []
  let count = 0
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    count = (await renderAll(inv, { resolver, masked })).length
    ms.push(performance.now() - t0)
    const c = process.cpuUsage(c0)
    cpu.push((c.user + c.system) / 1000)
  }
  ms.sort((a, b) => a - b)
  cpu.sort((a, b) => a - b)
  const mid = Math.floor(runs / 2)
  // CPU time is shown too: on a busy machine wall time mostly measures the other processes.
  console.log(`${label.padEnd(34)} ${String(count).padStart(5)} stations  wall median ${ms[mid]!.toFixed(0).padStart(5)} ms (best ${ms[0]!.toFixed(0)})  cpu median ${cpu[mid]!.toFixed(0).padStart(5)} ms`)
}

console.log(`load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`)
console.log(`inventory: ${useReal ? real : 'tests/fixtures/inventory-mini, cloned to 152 stations (inventory/qingcheng not present)'}`)
const t0 = performance.now()
await loadPlatform('openwrt')
console.log(`load + parse templates (once per process): ${(performance.now() - t0).toFixed(1)} ms`)
await renderAll(n152, { resolver }) // warm-up
await time('152 stations, real', n152, false)
await time('152 stations, real + masked (plan)', n152, true)
await time('×10 stations, real', n1520, false, 3)
await time('×10 stations, real + masked (plan)', n1520, true, 3)
