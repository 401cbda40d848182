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
import { cp, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { expectedFiles, type LastmileModules } from './host-vars.js'

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

/** Copies the inventory to `dest` (replacing what was there) and applies one edit there. */
export async function writeVariant(inventoryDir: string, dest: string, kind: VariantKind): Promise<{ dir: string; kind: VariantKind; description: string }> {
  await rm(dest, { recursive: true, force: true })
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

export interface OneFileVariant {
  kind: VariantKind
  dir: string
  description: string
  /** the one station path the edit changes */
  path: string
}

/**
 * The first candidate of VARIANTS that changes exactly one file on every one of
 * `stationIds` — for each command given (`rollout --lab` renders with the cloud
 * outputs it renders itself, `push --lab` with the last ones recorded: an edit the
 * cloud side overrides may change nothing for one of them). Renders with the build
 * under test (`lm`); the variants are written to `<workPrefix>-<kind>`.
 */
export async function findOneFileVariant(
  lm: LastmileModules,
  inventoryDir: string,
  stationIds: readonly string[],
  o: { workPrefix: string; home: string; commands: ReadonlyArray<'push' | 'rollout'>; log?: (text: string) => void },
): Promise<{ variant?: OneFileVariant; why: string[] }> {
  const why: string[] = []
  const commands = o.commands.length > 0 ? [...new Set(o.commands)] : (['push'] as const)
  const base = new Map<string, Awaited<ReturnType<typeof expectedFiles>>>()
  for (const command of commands) base.set(command, await expectedFiles(lm, inventoryDir, stationIds, { home: o.home, command }))
  candidates: for (const kind of VARIANTS) {
    const v = await writeVariant(inventoryDir, `${o.workPrefix}-${kind}`, kind)
    let common: string | undefined
    for (const command of commands) {
      const changed = singleChangedPath(base.get(command)!, await expectedFiles(lm, v.dir, stationIds, { home: o.home, command }))
      const problem = !changed.path ? changed.why : common !== undefined && common !== changed.path ? `changes ${changed.path}, for ${commands[0]} ${common}` : undefined
      if (problem) {
        why.push(`${kind} (${command}): ${problem}`)
        o.log?.(`one-file candidate ${kind} does not fit ${command}: ${problem}`)
        continue candidates
      }
      common = changed.path
    }
    if (common) return { variant: { kind, dir: v.dir, description: v.description, path: common }, why }
  }
  return { why }
}
