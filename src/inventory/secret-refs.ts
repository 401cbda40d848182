import { envNameForRef } from '../secrets/resolver.js'
import type { Station } from './model.js'

export type SecretKind = 'wifi-psk' | 'pppoe-password' | 'wireguard-private-key'

/** One `{secret: ref}` of a station, with where it is written (path inside the station). */
export interface StationSecretRef {
  ref: string
  kind: SecretKind
  /** Path of the `secret:` key inside the station, e.g. ['wifi', 'staff', 'key', 'secret']. */
  path: Array<string | number>
  /** The environment variable that provides it in CI. */
  env: string
}

/** Every secret reference of a station, in a fixed order (WiFi PSK, PPPoE password, WireGuard key). */
export function stationSecretRefs(s: Pick<Station, 'wifi' | 'wan' | 'tunnel'>): StationSecretRef[] {
  const out: StationSecretRef[] = []
  const add = (ref: string, kind: SecretKind, path: Array<string | number>): void => {
    out.push({ ref, kind, path, env: envNameForRef(ref) })
  }
  if (s.wifi) add(s.wifi.staff.key.secret, 'wifi-psk', ['wifi', 'staff', 'key', 'secret'])
  if (s.wan.pppoe) add(s.wan.pppoe.password.secret, 'pppoe-password', ['wan', 'pppoe', 'password', 'secret'])
  add(s.tunnel.privateKey.secret, 'wireguard-private-key', ['tunnel', 'privateKey', 'secret'])
  return out
}

/**
 * Why a resolved value cannot be used, or undefined when it can. Never
 * includes the value itself (only its length).
 * WPA: 8–63 printable ASCII or exactly 64 hex (hostapd.sh / LuCI `wpakey`).
 */
export function secretValueProblem(kind: SecretKind, value: string): string | undefined {
  switch (kind) {
    case 'wifi-psk': {
      if (/^[0-9a-fA-F]{64}$/.test(value)) return undefined
      if (!/^[\x20-\x7e]*$/.test(value)) return 'the WiFi key contains non-ASCII or control characters; use 8–63 printable ASCII characters (hostapd counts bytes, not characters)'
      if (value.length < 8 || value.length > 63) return `the WiFi key is ${value.length} characters; WPA2/WPA3 needs 8–63 printable ASCII characters (or 64 hex digits), otherwise the interface does not come up (INVALID_WPA_PSK)`
      return undefined
    }
    case 'wireguard-private-key':
      return /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(value) ? undefined : 'the WireGuard private key is not 44 base64 characters (32 bytes); create one with `wg genkey`'
    case 'pppoe-password':
      if (value.length === 0) return 'the PPPoE password is empty; set the password the carrier gave for this line'
      return /[\u0000-\u001f\u007f]/.test(value) ? 'the PPPoE password contains control characters (a stray newline?); remove them' : undefined
  }
}
