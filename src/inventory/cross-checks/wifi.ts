import type { Station } from '../model.js'
import type { Findings } from './findings.js'

/** IEEE 802.11: an SSID is at most 32 octets; OpenWrt/LuCI count UTF-8 bytes (openwrt-notes §4.1). */
export const MAX_SSID_BYTES = 32

/** CN regulatory domain (wireless-regdb `country CN`): 5150–5350 and 5725–5850 MHz; 5470–5725 is not allowed. */
export const CN_5G_CHANNELS: readonly number[] = [36, 40, 44, 48, 52, 56, 60, 64, 149, 153, 157, 161, 165]
/** 5250–5350 MHz: allowed with DFS (radar detection, a CAC wait after every boot). */
export const CN_DFS_CHANNELS: readonly number[] = [52, 56, 60, 64]

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

/**
 * Characters that break a single-quoted UCI value or a shell word, or that
 * hostapd cannot carry: quotes, backslash, backtick, $ and control characters.
 */
const UNSAFE_SSID = /['"`\\$\u0000-\u001f\u007f-\u009f]/u

const NAMES: Record<string, string> = { "'": "a single quote (')", '"': 'a double quote (")', '`': 'a backtick (`)', '\\': 'a backslash (\\)', $: 'a dollar sign ($)' }

export function unsafeSsidCharacter(ssid: string): string | undefined {
  const m = UNSAFE_SSID.exec(ssid)
  if (!m) return undefined
  const c = m[0]
  const named = NAMES[c]
  if (named) return named
  return `the control character U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`
}

export function checkWifi(f: Findings): void {
  for (const s of f.inv.stations) {
    if (!s.wifi) continue
    checkSsid(f, s, 'staff', s.wifi.staff.ssid)
    checkSsid(f, s, 'public', s.wifi.public.ssid)
    checkChannels(f, s)
  }
}

function checkSsid(f: Findings, s: Station, which: 'staff' | 'public', ssid: string): void {
  const field = ['wifi', which, 'ssid']
  const bytes = utf8Bytes(ssid)
  if (bytes > MAX_SSID_BYTES) {
    const hanzi = [...ssid].filter((c) => utf8Bytes(c) === 3).length
    f.station(s, field, 'error', 'wifi.ssid-bytes', `SSID '${ssid}' is ${bytes} bytes in UTF-8 (${[...ssid].length} characters${hanzi ? `, ${hanzi} of them 3 bytes each: a Chinese character is 3 bytes` : ''}); an SSID holds at most ${MAX_SSID_BYTES} bytes (10 Hanzi + 2 ASCII): shorten it`)
  }
  const bad = unsafeSsidCharacter(ssid)
  if (bad) f.station(s, field, 'error', 'wifi.ssid-characters', `SSID contains ${bad}, which breaks UCI quoting on the station; remove it`)
  if (ssid !== ssid.trim()) f.station(s, field, 'warning', 'wifi.ssid-whitespace', 'SSID starts or ends with a space; users will not see it and will type the name wrong: remove it')
}

function checkChannels(f: Findings, s: Station): void {
  const wifi = s.wifi
  if (!wifi) return
  const c2 = wifi.radio2g.channel
  if (c2 < 1 || c2 > 13) f.station(s, ['wifi', 'radio2g', 'channel'], 'error', 'wifi.channel-2g', `2.4 GHz channel ${c2} does not exist in CN (1–13); use 1, 6 or 11, rotated between neighbouring stations`)
  const c5 = wifi.radio5g?.channel
  if (c5 === undefined) return
  if (!CN_5G_CHANNELS.includes(c5)) {
    const why = c5 >= 100 && c5 <= 144 ? ': channels 100–144 (5470–5725 MHz) are not open in China' : ` (CN allows ${CN_5G_CHANNELS.join(', ')})`
    f.station(s, ['wifi', 'radio5g', 'channel'], 'error', 'wifi.channel-5g', `5 GHz channel ${c5} is not allowed in CN${why}; use 149, 153, 157 or 161 (or 36–48 indoors)`)
  } else if (CN_DFS_CHANNELS.includes(c5)) {
    f.station(s, ['wifi', 'radio5g', 'channel'], 'warning', 'wifi.channel-dfs', `5 GHz channel ${c5} needs DFS: the radio waits for radar after every boot and moves when it hears one; prefer 149–161 (or 36–48)`)
  }
}
