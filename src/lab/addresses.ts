/**
 * Where each lab station listens. Every station gets its own loopback address
 * so that a station's "address" means something (logs, host-key pins, per-station
 * faults) exactly as on the real network, where each station is its own host.
 *
 *   127.<20 + town index>.<station index / 250>.<station index % 250 + 1>
 *
 * - town index: the town's position in the inventory (0-based, towns/ files in order);
 * - station index: the station's position in its town file (`source.index`, counting
 *   committees without a station too, so an address does not move when one gets a station);
 * - synthesized stations (`lab up --stations N` beyond the inventory) use 127.240.x.y.
 *
 * Linux routes all of 127.0.0.0/8 to the loopback interface without configuration.
 * The second octet starts at 20 so no lab address is ever 127.0.0.1 (or any 127.0.x.x
 * a developer's own services tend to use).
 */

export const FIRST_TOWN_OCTET = 20
/** Second octet of synthesized stations (above every possible town). */
export const SYNTHETIC_OCTET = 240
export const MAX_TOWNS = SYNTHETIC_OCTET - FIRST_TOWN_OCTET
export const STATIONS_PER_BLOCK = 250
/** 250 per third octet × 256 third octets. */
export const MAX_STATIONS_PER_TOWN = STATIONS_PER_BLOCK * 256

export interface AddressSlot {
  /** 0-based town index, or 'synthetic' for stations the lab made up. */
  town: number | 'synthetic'
  /** 0-based index of the station in its town (or among the synthesized stations). */
  index: number
}

export function labAddress(slot: AddressSlot): string {
  const { index } = slot
  if (!Number.isInteger(index) || index < 0 || index >= MAX_STATIONS_PER_TOWN) {
    throw new RangeError(`station index ${index} is outside 0…${MAX_STATIONS_PER_TOWN - 1}: the lab addresses at most ${MAX_STATIONS_PER_TOWN} stations per town`)
  }
  let second: number
  if (slot.town === 'synthetic') {
    second = SYNTHETIC_OCTET
  } else {
    if (!Number.isInteger(slot.town) || slot.town < 0 || slot.town >= MAX_TOWNS) {
      throw new RangeError(`town index ${slot.town} is outside 0…${MAX_TOWNS - 1}: the lab addresses at most ${MAX_TOWNS} towns`)
    }
    second = FIRST_TOWN_OCTET + slot.town
  }
  return `127.${second}.${Math.floor(index / STATIONS_PER_BLOCK)}.${(index % STATIONS_PER_BLOCK) + 1}`
}

/** Addresses for many slots; throws if two slots would share an address (a caller bug). */
export function allocateAddresses(slots: readonly AddressSlot[]): string[] {
  const seen = new Map<string, number>()
  return slots.map((slot, i) => {
    const a = labAddress(slot)
    const prev = seen.get(a)
    if (prev !== undefined) throw new Error(`lab stations ${prev} and ${i} would both listen on ${a}`)
    seen.set(a, i)
    return a
  })
}

/** True for an address the lab may listen on: inside 127/8 and not 127.0.0.0/16. */
export function isLabAddress(addr: string): boolean {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(addr)
  if (!m) return false
  const [second, third, fourth] = [Number(m[1]), Number(m[2]), Number(m[3])]
  return second >= 1 && second <= 255 && third <= 255 && fourth >= 1 && fourth <= 255
}
