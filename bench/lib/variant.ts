/**
 * The "one file changed on every station" phase: a copy of the inventory with
 * one district-wide edit that changes exactly one rendered file on every
 * station. Candidates, tried in order (the runner renders both inventories with
 * the build under test and keeps the first edit that changes exactly one file
 * on every station — what the cloud step overrides can change between builds):
 *
 * - `hub-key`: the district hub's WireGuard key is rotated (district.yaml
 *   hub.publicKey) → /etc/config/network, reload network;
 * - `operator`: a new district operator's SSH key (operators.yaml)
 *   → /etc/dropbear/authorized_keys, no reload.
 */
import { createHash, generateKeyPairSync } from 'node:crypto'
import { cp, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'

export type VariantKind = 'hub-key' | 'operator'
export const VARIANTS: readonly VariantKind[] = ['hub-key', 'operator']

/** Pure: district.yaml with the hub's WireGuard public key replaced by `newKey`. */
export function rotateHubKey(districtYaml: string, newKey: string): { text: string; from: string; to: string } {
  const re = /^(\s+publicKey:\s*['"]?)([A-Za-z0-9+/]{42,43}=)(['"]?\s*)$/m
  const m = re.exec(districtYaml)
  if (!m) throw new Error('district.yaml has no hub `publicKey:` line')
  return { text: districtYaml.replace(re, `$1${newKey}$3`), from: m[2]!, to: newKey }
}

/** A WireGuard key (any 32 bytes, base64) that is not `avoid`. */
export function benchHubKey(avoid = ''): string {
  for (let i = 0; i < 10; i++) {
    const k = createHash('sha256').update(`lastmile-bench hub key rotation ${i}`).digest('base64')
    if (k !== avoid) return k
  }
  throw new Error('unreachable')
}

/** Pure: operators.yaml with one more district operator appended to `operators:`. */
export function addDistrictOperator(operatorsYaml: string, publicKeyLine: string, id = 'bench-district-admin'): string {
  if (!/^operators:\s*$/m.test(operatorsYaml)) throw new Error('operators.yaml has no top-level `operators:` list')
  const entry = [`  - id: ${id}`, '    name: 基准测试', '    role: district', `    sshPublicKey: ${publicKeyLine}`].join('\n')
  return operatorsYaml.replace(/\n*$/, '\n') + entry + '\n'
}

function newEd25519PublicKey(comment: string): string {
  const { publicKey } = generateKeyPairSync('ed25519')
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32)
  const str = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b])
  const blob = Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)])
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`
}

/** Copies the inventory to `dest` and applies one edit there. */
export async function writeVariant(inventoryDir: string, dest: string, kind: VariantKind): Promise<{ dir: string; kind: VariantKind; description: string }> {
  await cp(inventoryDir, dest, { recursive: true })
  if (kind === 'hub-key') {
    const file = path.join(dest, 'district.yaml')
    const text = await readFile(file, 'utf8')
    const current = /^\s+publicKey:\s*['"]?([A-Za-z0-9+/]{42,43}=)/m.exec(text)?.[1] ?? ''
    const r = rotateHubKey(text, benchHubKey(current))
    await writeFile(file, r.text)
    return { dir: dest, kind, description: `the hub's WireGuard key rotated (district.yaml hub.publicKey ${r.from.slice(0, 8)}… → ${r.to.slice(0, 8)}…)` }
  }
  const file = path.join(dest, 'operators.yaml')
  await writeFile(file, addDistrictOperator(await readFile(file, 'utf8'), newEd25519PublicKey('bench-district-admin@qingcheng')))
  return { dir: dest, kind, description: 'a new district operator (operators.yaml): her key goes into every station\'s authorized_keys' }
}

/** Pure: the one path that differs on every station between two renders, or why there is none. */
export function singleChangedPath(base: ReadonlyMap<string, ReadonlyMap<string, { sha256: string }>>, variant: ReadonlyMap<string, ReadonlyMap<string, { sha256: string }>>): { path?: string; why?: string } {
  let common: string | undefined
  for (const [id, files] of base) {
    const other = variant.get(id)
    if (!other) return { why: `station ${id} is missing from the variant` }
    const changed = [...new Set([...files.keys(), ...other.keys()])].filter((p) => files.get(p)?.sha256 !== other.get(p)?.sha256)
    if (changed.length !== 1) return { why: `station ${id}: ${changed.length} files change (${changed.join(', ') || 'none'})` }
    if (common !== undefined && common !== changed[0]) return { why: `station ${id} changes ${changed[0]}, others ${common}` }
    common = changed[0]
  }
  return common ? { path: common } : { why: 'no stations' }
}
