import { createHash } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { loadInventoryOrThrow } from '../../src/inventory/loader.js'
import type { Inventory } from '../../src/inventory/model.js'
import { SecretResolver, type SecretSource } from '../../src/secrets/resolver.js'

export const MINI = path.resolve('tests/fixtures/inventory-mini')
export const QINGCHENG = path.resolve('inventory/qingcheng')

/** The real inventory, once the inventory work has written it (towns/*.yaml present). */
export function qingchengPresent(): boolean {
  const towns = path.join(QINGCHENG, 'towns')
  return existsSync(path.join(QINGCHENG, 'district.yaml')) && existsSync(towns) && readdirSync(towns).some((f) => f.endsWith('.yaml'))
}

/** Known values for the mini fixture's secrets: goldens stay stable and leaks can be searched for. */
export const KNOWN_SECRETS: Record<string, string> = {
  'wireguard/441802104201': 'sGq3JbC4yR0TnWQ8f3yVqk1oZ2xE9dL7mPa5HtKcU2A=',
  'wireguard/441802006001': 'yN8vRk2bQ6wT0pLz4sFh7JmC1xD9gE3aUo5iWq8tKnE=',
  'wifi/441802104201/staff': 'Jiangkou-Staff-2015!',
  'pppoe/441802104202': 'Xinch3ng-PPPoE-pass',
}

/**
 * A fixed secret source: the known values, then for any other ref a value
 * derived from the ref (valid WireGuard keys, 16-character WiFi keys), so the
 * whole real inventory renders with stable goldens.
 */
export function fixedSource(overrides: Record<string, string> = {}): SecretSource {
  const known = { ...KNOWN_SECRETS, ...overrides }
  return {
    name: 'test values',
    lookup: async (ref) => {
      if (ref in known) return known[ref]
      const h = createHash('sha256').update(`golden:${ref}`).digest()
      if (ref.startsWith('wireguard/')) return h.toString('base64')
      return 'test-' + h.toString('base64url').slice(0, 16)
    },
  }
}

export function fixedResolver(overrides: Record<string, string> = {}): SecretResolver {
  return new SecretResolver([fixedSource(overrides)])
}

/** Loads a fresh copy (tests mutate stations in memory). */
export async function loadMini(): Promise<Inventory> {
  return (await loadInventoryOrThrow(MINI)).inventory
}
