import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { ansibleGroupName, ansibleSecretLookup, exportAnsible } from '../../src/inventory/export-ansible.js'
import { loadInventoryOrThrow } from '../../src/inventory/loader.js'
import type { Inventory } from '../../src/inventory/model.js'
import { selectStations } from '../../src/inventory/select.js'
import { MINI, REAL, cleanupCopies, copyMini, replaceIn } from './helpers/mini.js'

interface Hosts {
  all: { vars: Record<string, unknown>; children: Record<string, { vars?: Record<string, unknown>; hosts: Record<string, Record<string, unknown> | null> }> }
}

/** Ansible's `!unsafe` marks a string it must never template; here it is just a string. */
const parse = (text: string): unknown => parseYaml(text, { customTags: [{ tag: '!unsafe', resolve: (v: string) => v }] })

let mini: Inventory
let real: Inventory
afterAll(cleanupCopies)
beforeAll(async () => {
  mini = (await loadInventoryOrThrow(MINI)).inventory
  real = (await loadInventoryOrThrow(REAL)).inventory
})

describe('exportAnsible', () => {
  it('groups stations by town under all, keyed by station id, with connection vars', () => {
    const out = exportAnsible(mini, selectStations(mini))
    const doc = parse(out.text) as Hosts
    expect(Object.keys(doc.all.children).sort()).toEqual(['feilaixia', 'fengcheng', 'lastmile_canary'])
    const host = doc.all.children.fengcheng!.hosts['441802006001']!
    expect(host).toMatchObject({ ansible_host: '10.250.1.1', ansible_user: 'root', ansible_port: 22, lastmile_name: '高基里社区居委会', lastmile_town: { slug: 'fengcheng' } })
    expect(doc.all.children.fengcheng!.vars).toEqual({ lastmile_town_code: '441802006000', lastmile_town_name: '凤城街道', lastmile_town_kind: '街道' })
    expect(Object.keys(doc.all.children.lastmile_canary!.hosts).sort()).toEqual(['441802006001', '441802104201'])
    expect(doc.all.vars.lastmile_vlans).toEqual({ management: 10, office: 20, publicWifi: 30, iptv: 40 })
    expect(out.hosts).toBe(2)
  })

  it('leaves out committees without a station', () => {
    const doc = parse(exportAnsible(mini, selectStations(mini)).text) as Hosts
    expect(doc.all.children.feilaixia!.hosts['441802104202']).toBeUndefined()
  })

  it('writes secrets as env lookups, never as values or {secret:} maps', () => {
    const text = exportAnsible(mini, selectStations(mini)).text
    const doc = parse(text) as Hosts
    const host = doc.all.children.feilaixia!.hosts['441802104201']!
    expect((host.lastmile_wifi as { staff: { key: unknown } }).staff.key).toBe("{{ lookup('env', 'LASTMILE_SECRET_WIFI_441802104201_STAFF') }}")
    expect(host.lastmile_tunnel_private_key).toBe(ansibleSecretLookup('wireguard/441802104201'))
    expect(text).not.toContain('secret:')
  })

  it('exports the real inventory: 8 town groups, 152 hosts', () => {
    const out = exportAnsible(real, selectStations(real))
    const doc = parse(out.text) as Hosts
    const towns = Object.entries(doc.all.children).filter(([g]) => g !== 'lastmile_canary')
    expect(towns).toHaveLength(8)
    expect(towns.reduce((n, [, g]) => n + Object.keys(g.hosts).length, 0)).toBe(152)
    expect(out.hosts).toBe(152)
  })

  it('makes group names Ansible accepts', () => {
    expect(ansibleGroupName('fei-lai-xia')).toBe('fei_lai_xia')
    expect(ansibleGroupName('all')).toBe('town_all')
  })

  it('marks inventory strings that could open a template !unsafe, so Ansible never evaluates a name or SSID; only the secret lookups are templates', async () => {
    const dir = await copyMini()
    await replaceIn(dir, 'towns/feilaixia.yaml', 'ssid: 清城区飞来峡江口村', 'ssid: "{{lookup(*dict(pipe=1,id=2))}}"')
    await replaceIn(dir, 'towns/feilaixia.yaml', 'name: 江口村委会', 'name: 江口村委会{%raw%}')
    const inv = (await loadInventoryOrThrow(dir)).inventory
    const text = exportAnsible(inv, selectStations(inv)).text
    expect(text).toContain('ssid: !unsafe "{{lookup(*dict(pipe=1,id=2))}}"')
    expect(text).toContain('lastmile_name: !unsafe 江口村委会{%raw%}')
    expect(text).toContain('lastmile_short: 江口\n')
    expect(text).toMatch(/lastmile_tunnel_private_key: "\{\{ lookup\('env', 'LASTMILE_SECRET_WIREGUARD_441802104201'\) \}\}"/)
    expect(text).not.toMatch(/!unsafe "\{\{ lookup\('env'/)
    const doc = parse(text) as Hosts
    expect((doc.all.children.feilaixia!.hosts['441802104201']!.lastmile_wifi as { public: { ssid: string } }).public.ssid).toBe('{{lookup(*dict(pipe=1,id=2))}}')
  })
})
