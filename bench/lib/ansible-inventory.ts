/**
 * An Ansible inventory for the benchmark fleet: one host per station with the
 * fleet's address (straight to sshd, or through the link emulator), the bench
 * user and operator key, host keys pinned in a known_hosts file (Ansible
 * verifies them like lastmile does: host_key_checking = True and
 * StrictHostKeyChecking=yes), and lastmile's render context as host_vars.
 *
 * `lastmile inventory export --format ansible` exports the real district
 * (management addresses); the benchmark needs loopback addresses and per-station
 * roots, so it writes its own.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Fleet } from './fleet.js'
import { writeHostVars, type StationContexts } from './host-vars.js'
import { frontAddress } from './link-proxy.js'

export interface AnsibleInventoryFiles {
  dir: string
  hosts: string
  knownHosts: string
  hostVars: string
}

/** known_hosts with each station's key under its sshd address and its emulated-link address. */
export async function writeKnownHosts(fleet: Fleet, file: string): Promise<void> {
  const lines: string[] = []
  for (const s of fleet.stations) {
    const pub = (await readFile(path.join(s.dir, 'ssh_host_ed25519_key.pub'), 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ')
    lines.push(`${s.host} ${pub}`, `${frontAddress(s.host)} ${pub}`)
  }
  await writeFile(file, lines.join('\n') + '\n')
}

function yamlString(s: string): string {
  return JSON.stringify(s)
}

export async function writeAnsibleInventory(o: { dir: string; fleet: Fleet; viaProxy: boolean; contexts: StationContexts }): Promise<AnsibleInventoryFiles> {
  await mkdir(o.dir, { recursive: true })
  const knownHosts = path.join(o.dir, 'known_hosts')
  await writeKnownHosts(o.fleet, knownHosts)
  const hostVars = path.join(o.dir, 'host_vars')
  const roots = new Map(o.fleet.stations.map((s) => [s.id, s.root]))
  await writeHostVars(hostVars, o.contexts, roots)
  const sshArgs = `-o UserKnownHostsFile=${knownHosts} -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes`
  const lines = [
    '# Written by bench/lib/ansible-inventory.ts for one benchmark run.',
    'all:',
    '  vars:',
    `    ansible_user: ${o.fleet.user}`,
    `    ansible_ssh_private_key_file: ${yamlString(o.fleet.operatorKey)}`,
    `    ansible_ssh_common_args: ${yamlString(sshArgs)}`,
    '  children:',
    '    stations:',
    '      hosts:',
  ]
  const selected = new Set(o.contexts.contexts.keys())
  for (const s of o.fleet.stations) {
    if (!selected.has(s.id)) continue
    lines.push(`        ${yamlString(s.id)}:`, `          ansible_host: ${o.viaProxy ? frontAddress(s.host) : s.host}`, `          ansible_port: ${s.port}`)
  }
  const hosts = path.join(o.dir, 'hosts.yml')
  await writeFile(hosts, lines.join('\n') + '\n')
  return { dir: o.dir, hosts, knownHosts, hostVars }
}
