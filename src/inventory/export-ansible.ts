import { Document, Scalar, visit } from 'yaml'
import { envNameForRef } from '../secrets/resolver.js'
import { isSecretRef } from '../secrets/secret.js'
import type { Inventory, Station } from './model.js'

/** A secret as Ansible should see it: an env lookup, evaluated on the control node at run time. */
export function ansibleSecretLookup(ref: string): string {
  return `{{ lookup('env', '${envNameForRef(ref)}') }}`
}

/** The lookups this export wrote: the only strings Ansible may template. */
type Lookups = WeakSet<Scalar>

/** Deep copy with every `{secret: ref}` replaced by its env lookup; never a value. */
function withLookups(v: unknown, lookups: Lookups): unknown {
  if (isSecretRef(v)) {
    const node = new Scalar(ansibleSecretLookup(v.secret))
    lookups.add(node)
    return node
  }
  if (Array.isArray(v)) return v.map((x) => withLookups(x, lookups))
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, withLookups(x, lookups)]))
  return v
}

/** Ansible group names: letters, digits and _ (a `-` draws a warning and is not usable in patterns). */
export function ansibleGroupName(slug: string): string {
  const name = slug.replace(/[^A-Za-z0-9_]/g, '_')
  return name === 'all' || name === 'ungrouped' ? `town_${name}` : name
}

function hostVars(s: Station, lookups: Lookups): Record<string, unknown> {
  const vars: Record<string, unknown> = {
    ansible_host: s.management.address,
    ansible_user: s.ssh.user,
    ansible_port: s.ssh.port,
    lastmile_id: s.id,
    lastmile_name: s.name,
    lastmile_short: s.short,
    lastmile_kind: s.kind,
    lastmile_town: { code: s.town.code, name: s.town.name, slug: s.town.slug },
    lastmile_canary: s.canary,
    lastmile_platform: s.platform,
    lastmile_lan: s.lan,
    lastmile_devices: s.devices,
    lastmile_wifi: s.wifi ?? null,
    lastmile_wan: s.wan,
    lastmile_wan_backup: s.wanBackup ?? null,
    lastmile_fibre_upgrade: s.fibreUpgrade,
    lastmile_ecommerce: s.ecommerce,
    lastmile_settop_box_households: s.settopBoxHouseholds,
    lastmile_info_points: s.infoPoints,
    lastmile_tunnel_private_key: s.tunnel.privateKey,
  }
  if (s.ssh.hostKey) vars.lastmile_ssh_host_key = s.ssh.hostKey
  if (s.note) vars.lastmile_note = s.note
  return withLookups(vars, lookups) as Record<string, unknown>
}

export interface AnsibleExport {
  text: string
  hosts: number
  groups: string[]
}

/**
 * An Ansible YAML inventory: `all` → one child group per town (its slug)
 * holding that town's stations, keyed by station id, plus `lastmile_canary`.
 * Secrets are `{{ lookup('env', 'LASTMILE_SECRET_…') }}` strings. Every other string that could
 * open a template (it holds a `{`) is tagged `!unsafe`: Ansible templates variables when it uses
 * them, so a name or SSID such as `{{lookup(*dict(pipe=1,reboot=2))}}` would otherwise run a
 * command on the control node. Pure.
 */
export function exportAnsible(inv: Inventory, stations: readonly Station[]): AnsibleExport {
  const d = inv.district
  const lookups: Lookups = new WeakSet()
  const children: Record<string, unknown> = {}
  const groups: string[] = []
  for (const town of inv.towns) {
    const mine = stations.filter((s) => s.town.code === town.code)
    if (mine.length === 0) continue
    const group = ansibleGroupName(town.slug)
    groups.push(group)
    children[group] = {
      vars: { lastmile_town_code: town.code, lastmile_town_name: town.name, lastmile_town_kind: town.kind },
      hosts: Object.fromEntries(mine.map((s) => [s.id, hostVars(s, lookups)])),
    }
  }
  const canaries = stations.filter((s) => s.canary)
  if (canaries.length > 0) {
    groups.push('lastmile_canary')
    children.lastmile_canary = { hosts: Object.fromEntries(canaries.map((s) => [s.id, null])) }
  }
  const doc = {
    all: {
      vars: {
        lastmile_district: { code: d.code, name: d.name },
        lastmile_hub: d.hub,
        lastmile_cloud: d.cloud,
        lastmile_vlans: d.vlans,
      },
      children,
    },
  }
  const header = [
    `# Ansible inventory exported by \`lastmile inventory export --format ansible\` from ${inv.dir}.`,
    '# Do not edit: edit the lastmile inventory and export again.',
    '# Secrets are env lookups, never values: export the LASTMILE_SECRET_* variables before running ansible.',
  ].join('\n')
  const yaml = new Document(doc, { aliasDuplicateObjects: false })
  visit(yaml, {
    Scalar(key, node) {
      if (key !== 'key' && typeof node.value === 'string' && node.value.includes('{') && !lookups.has(node)) node.tag = '!unsafe'
    },
  })
  return { text: `${header}\n${yaml.toString({ lineWidth: 0 })}`, hosts: stations.length, groups }
}
