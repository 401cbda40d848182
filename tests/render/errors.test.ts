import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { InvalidInputError, formatProblem } from '../../src/cli/errors.js'
import { clearPlatformCache } from '../../src/render/platform.js'
import { renderAll } from '../../src/render/render-all.js'
import { fixedResolver, KNOWN_SECRETS, loadMini } from './helpers.js'

async function renderError(p: Promise<unknown>): Promise<InvalidInputError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(InvalidInputError)
  return err as InvalidInputError
}

/** 1-based line of the first line holding `needle`. */
async function lineOf(file: string, needle: string): Promise<number> {
  return (await readFile(file, 'utf8')).split('\n').findIndex((l) => l.includes(needle)) + 1
}

/** A copy of templates/ in a temp folder, with one template rewritten. */
const tempDirs: string[] = []
afterAll(async () => {
  for (const d of tempDirs) await rm(d, { recursive: true, force: true })
  clearPlatformCache()
})

async function templatesWith(rel: string, edit: (text: string) => string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lastmile-templates-'))
  tempDirs.push(dir)
  await cp(path.resolve('templates'), dir, { recursive: true })
  const file = path.join(dir, 'openwrt', rel)
  await writeFile(file, edit(await readFile(file, 'utf8')))
  clearPlatformCache()
  return dir
}

describe('render errors name the place to fix', () => {
  it('an SSID over 32 UTF-8 bytes is refused, pointing at the inventory line', async () => {
    const inv = await loadMini()
    const s = inv.stations.find((x) => x.id === '441802104201')!
    s.wifi!.public.ssid = '清城区飞来峡镇江口村公共服务站' // 15 Hanzi = 45 bytes
    const err = await renderError(renderAll(inv, { resolver: fixedResolver() }))
    const p = err.problems.find((x) => x.field === 'wifi.public.ssid')!
    expect(p.station).toBe('441802104201')
    expect(p.message).toMatch(/45 bytes.*limit is 32/)
    expect(p.position?.file).toMatch(/feilaixia\.yaml$/)
    expect(p.position?.line).toBeGreaterThan(1)
  })

  it('an SSID of exactly 32 bytes renders (10 Hanzi + 2 ASCII)', async () => {
    const inv = await loadMini()
    inv.stations.find((x) => x.id === '441802104201')!.wifi!.public.ssid = '清城区飞来峡江口村委' + 'QC'
    const [r] = await renderAll(inv, { stations: ['441802104201'], resolver: fixedResolver() })
    expect(r!.files.find((f) => f.path === '/etc/config/wireless')!.content.toString()).toContain("option ssid '清城区飞来峡江口村委QC'")
  })

  it("a ' in an SSID is refused by the uci filter: template file, line:col, station, field", async () => {
    const inv = await loadMini()
    inv.stations.find((x) => x.id === '441802104201')!.wifi!.staff.ssid = "QC-jiangkou's"
    const err = await renderError(renderAll(inv, { resolver: fixedResolver() }))
    const p = err.problems[0]!
    expect(p.station).toBe('441802104201')
    expect(p.position?.file).toBe('templates/openwrt/etc/config/wireless.liquid')
    expect(p.position?.line).toBe(await lineOf('templates/openwrt/etc/config/wireless.liquid', 'option ssid {{ station.wifi.staff.ssid'))
    expect(p.field).toBe('station.wifi.staff.ssid')
    expect(p.message).toContain('single quote')
    expect(formatProblem(p)).toMatch(/^error {2}templates\/openwrt\/etc\/config\/wireless\.liquid:\d+:\d+ {2}station 441802104201 {2}station\.wifi\.staff\.ssid/)
  })

  it('a secret that would break UCI is refused without showing its value', async () => {
    const inv = await loadMini()
    const s = inv.stations.find((x) => x.id === '441802006001')!
    s.wan = { ...s.wan, proto: 'pppoe', pppoe: { username: 'qc006001', password: { secret: 'pppoe/441802006001' } } }
    const value = "it's-a-secret-123"
    const err = await renderError(renderAll(inv, { resolver: fixedResolver({ 'pppoe/441802006001': value }) }))
    const p = err.problems[0]!
    expect(p.message).toContain('secret pppoe/441802006001 contains a single quote')
    expect(JSON.stringify(err.problems) + err.message + err.stack).not.toContain(value)
    expect(p.position?.file).toBe('templates/openwrt/etc/config/network.liquid')
  })

  it('an undefined variable in a template: file:line:col and station, for every station once', async () => {
    const dir = await templatesWith('etc/config/dhcp.liquid', (t) => t.replace("option domain 'lan'", 'option domain {{ station.domian | uci }}'))
    const err = await renderError(renderAll(await loadMini(), { resolver: fixedResolver(), templatesDir: dir }))
    expect(err.problems).toHaveLength(1)
    const p = err.problems[0]!
    expect(p.position?.file).toBe(path.join(dir, 'openwrt/etc/config/dhcp.liquid'))
    expect(p.position?.line).toBe(await lineOf(path.join(dir, 'openwrt/etc/config/dhcp.liquid'), 'station.domian'))
    expect(p.message).toMatch(/undefined variable: station\.domian/)
    expect(p.message).toMatch(/also in 1 more station/)
    expect(['441802104201', '441802006001']).toContain(p.station)
  })

  it('a template syntax error is reported when the platform loads, with file:line', async () => {
    const dir = await templatesWith('etc/config/firewall.liquid', (t) => t + '\n{% if station.wifi %}\n')
    const err = await renderError(renderAll(await loadMini(), { resolver: fixedResolver(), templatesDir: dir }))
    expect(err.problems[0]!.position?.file).toBe(path.join(dir, 'openwrt/etc/config/firewall.liquid'))
    expect(err.problems[0]!.message).toMatch(/not closed/)
  })

  it('an unknown filter is an error (strictFilters)', async () => {
    const dir = await templatesWith('etc/config/dhcp.liquid', (t) => t.replace("option domain 'lan'", "option domain {{ 'lan' | ucy }}"))
    const err = await renderError(renderAll(await loadMini(), { resolver: fixedResolver(), templatesDir: dir }))
    expect(err.problems[0]!.message).toMatch(/undefined filter: ucy/)
  })

  it('platform.yaml problems point at platform.yaml lines', async () => {
    const dir = await templatesWith('platform.yaml', (t) => t.replace('reload: firewall', 'reload: fw').replace("mode: '0644'\n    reload: dhcp", "mode: '644'\n    reload: dhcp"))
    const err = await renderError(renderAll(await loadMini(), { resolver: fixedResolver(), templatesDir: dir }))
    const messages = err.problems.map((p) => `${p.position?.line} ${p.field} ${p.message}`)
    expect(messages.some((m) => /files\.\d+\.mode/.test(m))).toBe(true)
    for (const p of err.problems) expect(p.position?.file).toBe(path.join(dir, 'openwrt/platform.yaml'))
  })

  it('platform.yaml: a reload action or a path the station agent would refuse is caught at render, not at every station\'s apply', async () => {
    const dir = await templatesWith('platform.yaml', (t) =>
      t
        .replace('  - { name: dropbear, command: /etc/init.d/dropbear reload }', '  - { name: dropbear, command: /etc/init.d/dropbear reload }\n  - { name: sysntpd, command: /etc/init.d/sysntpd reload }')
        .replace('reload: dhcp', 'reload: sysntpd')
        .replace('path: /etc/lastmile/wan-link', 'path: /etc/lastmile/state/wan-link'),
    )
    const err = await renderError(renderAll(await loadMini(), { resolver: fixedResolver(), templatesDir: dir }))
    const messages = err.problems.map((p) => `${p.field} ${p.message}`).join('\n')
    expect(messages).toMatch(/reloads\.5\.name .*network, wireless, firewall, dhcp, dropbear/)
    expect(messages).toMatch(/files\.\d+\.path .*agent's own state/)
  })

  it('a file holding secrets must not be readable by others', async () => {
    const dir = await templatesWith('platform.yaml', (t) => t.replace("mode: '0600' # WireGuard private key, PPPoE password", "mode: '0644'"))
    const err = await renderError(renderAll(await loadMini(), { resolver: fixedResolver(), templatesDir: dir }))
    expect(err.problems[0]!.message).toMatch(/\/etc\/config\/network holds secrets .* use '0600'/)
  })

  it('missing secrets: one error listing every station and ref, with the env var to set', async () => {
    const inv = await loadMini()
    const empty = { name: 'nothing', lookup: async () => undefined }
    const { SecretResolver } = await import('../../src/secrets/resolver.js')
    const err = await renderError(renderAll(inv, { resolver: new SecretResolver([empty]) }))
    const refs = err.problems.map((p) => `${p.station} ${p.message}`)
    expect(refs).toHaveLength(3)
    expect(refs.join('\n')).toContain('LASTMILE_SECRET_WIFI_441802104201_STAFF')
    expect(refs.join('\n')).toContain('LASTMILE_SECRET_WIREGUARD_441802006001')
    for (const p of err.problems) expect(p.position?.line).toBeGreaterThan(1)
  })

  it('a WPA key of the wrong length is refused without its value', async () => {
    const short = 'short7!'
    const err = await renderError(renderAll(await loadMini(), { resolver: fixedResolver({ 'wifi/441802104201/staff': short }) }))
    expect(err.problems[0]!.station).toBe('441802104201')
    expect(JSON.stringify(err.problems)).not.toContain(short)
  })

  it('a channel outside CN and a 5 GHz channel that cannot do VHT80 are refused', async () => {
    const inv = await loadMini()
    const w = inv.stations.find((x) => x.id === '441802104201')!.wifi!
    w.radio2g.channel = 14
    w.radio5g = { channel: 165 }
    const err = await renderError(renderAll(inv, { resolver: fixedResolver() }))
    expect(err.problems.map((p) => p.field).sort()).toEqual(['wifi.radio2g.channel', 'wifi.radio5g.channel'])
  })

  it('known secrets are what the goldens use', () => {
    expect(Object.keys(KNOWN_SECRETS)).toContain('wireguard/441802006001')
  })
})
