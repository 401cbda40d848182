import { stringify } from 'yaml'
import { envNameForRef } from '../secrets/resolver.js'
import { isSecretRef } from '../secrets/secret.js'
import type { Inventory, Station } from './model.js'

/** A secret as Ansible should see it: an env lookup, evaluated on the control node at run time. */
export function ansibleSecretLookup(ref: string): string {
  return `{{ lookup('env', '${envNameForRef(ref)}') }}`
}

/** Deep copy with every `{secret: ref}` replaced by its env lookup; never a value. */
function withLookups(v: unknown): unknown {
  if (isSecretRef(v)) return ansibleSecretLookup(v.secret)
  if (Array.isArray(v)) return v.map(withLookups)
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, withLookups(x)]))
  return v
}

/** Ansible group names: letters, digits and _ (a `-` draws a warning and is not usable in patterns). */
export function ansibleGroupName(slug: string): string {
  const name = slug.replace(/[^A-Za-z0-9_]/g, '_')
  return name === 'all' || name === 'ungrouped' ? `town_${name}` : name
}

function hostVars(s: Station): Record<string, unknown> {
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
  return withLookups(vars) as Record<string, unknown>
}

export interface AnsibleExport {
  text: string
  hosts: number
  groups: string[]
}

/**
 * An Ansible YAML inventory: `all` → one child group per town (its slug)
 * holding that town's stations, keyed by station id, plus `lastmile_canary`.
 * Secrets are `{{ lookup('env', 'LASTMILE_SECRET_…') }}` strings. Pure.
 */
export function exportAnsible(inv: Inventory, stations: readonly Station[]): AnsibleExport {
  const d = inv.district
  const children: Record<string, unknown> = {}
  const groups: string[] = []
  for (const town of inv.towns) {
    const mine = stations.filter((s) => s.town.code === town.code)
    if (mine.length === 0) continue
    const group = ansibleGroupName(town.slug)
    groups.push(group)
    children[group] = {
      vars: { lastmile_town_code: town.code, lastmile_town_name: town.name, lastmile_town_kind: town.kind },
      hosts: Object.fromEntries(mine.map((s) => [s.id, hostVars(s)])),
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
  return { text: `${header}\n${stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })}`, hosts: stations.length, groups }
}
