import type { Station, Town } from '../model.js'
import type { Findings } from './findings.js'

/**
 * Ids come from NBS codes (ARCHITECTURE: "pinyin slugs collide and are labels
 * only"), so codes must be unique and nest: district (6 digits) ⊃ town (9) ⊃ station.
 */
export function checkIdentity(f: Findings): void {
  const { inv } = f
  const districtPrefix = inv.district.code.slice(0, 6)

  const townByCode = new Map<string, Town>()
  const townBySlug = new Map<string, Town>()
  for (const t of inv.towns) {
    const sameCode = townByCode.get(t.code)
    if (sameCode) f.town(t, ['town', 'code'], 'error', 'town.duplicate-code', `town code ${t.code} is also used by ${sameCode.name} (${f.at(sameCode.file, ['town', 'code'])}); each town has its own NBS code: keep one file per town`)
    else townByCode.set(t.code, t)
    const sameSlug = townBySlug.get(t.slug)
    if (sameSlug) f.town(t, ['town', 'slug'], 'error', 'town.duplicate-slug', `town slug '${t.slug}' is also used by ${sameSlug.name} (${f.at(sameSlug.file, ['town', 'slug'])}); slugs name Ansible groups and folders, so make this one unique (e.g. add a suffix)`)
    else townBySlug.set(t.slug, t)
    if (!t.code.startsWith(districtPrefix)) f.town(t, ['town', 'code'], 'error', 'town.code-not-in-district', `town code ${t.code} is not in district ${inv.district.code} (its first 6 digits must be ${districtPrefix}); check the code against the NBS list`)
  }

  const byId = new Map<string, Station>()
  for (const t of inv.towns) {
    const townPrefix = t.code.slice(0, 9)
    const active = t.stations.filter((s) => s.hasStation)
    if (active.length > 0 && !active.some((s) => s.canary)) {
      f.town(t, ['town'], 'warning', 'town.no-canary', `${t.name} has no station with canary: true; a rollout then starts this town without a canary: mark one station near the town centre`)
    }
    for (const s of t.stations) {
      const first = byId.get(s.id)
      if (first) f.station(s, ['id'], 'error', 'station.duplicate-id', `station id ${s.id} is already used by ${first.name} (${f.where(first, ['id'])}); a station id is its own 12-digit NBS code, so one of the two is wrong`)
      else byId.set(s.id, s)
      if (!s.id.startsWith(townPrefix)) {
        f.station(s, ['id'], 'error', 'station.code-not-in-town', `station code ${s.id} is not under ${t.name} (${t.code}): its first 9 digits must be ${townPrefix}; move the station to the right town file or fix the code`)
      }
      const kind = kindForCode(s.id)
      if (kind && kind !== s.kind) f.station(s, ['kind'], 'warning', 'station.kind-code', `kind is ${s.kind} but NBS code ${s.id} (last 3 digits ${s.id.slice(9)}) is in the ${kind} range (001–199 居委会, 200–399 村委会); check which one is right`)
      if (s.canary && !s.hasStation) f.station(s, ['canary'], 'error', 'station.canary-inactive', 'a station with hasStation: false cannot be the canary: nothing would be rolled out to it; pick an active station')
    }
  }
}

/** NBS village-level code ranges: 001–199 居民委员会, 200–399 村民委员会. */
function kindForCode(code: string): '居委会' | '村委会' | undefined {
  const n = Number(code.slice(9))
  if (n >= 1 && n <= 199) return '居委会'
  if (n >= 200 && n <= 399) return '村委会'
  return undefined
}
