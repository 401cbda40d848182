import { readFile, stat } from 'node:fs/promises'
import { LineCounter, isMap, isPair, isScalar, parseDocument, type Node as YamlNode, type Pair } from 'yaml'
import { z } from 'zod'
import { InvalidInputError, UsageError, type InputProblem, type SourcePosition } from '../cli/errors.js'
import { deviceType, type DeviceType } from '../inventory/schema.js'

/*
 * Faults the lab injects into its stations, per station, town or all ('*').
 * They come from `lab up --faults FILE` and `lab fault set/clear`, both stored in
 * <home>/lab/faults.yaml, which the daemon re-reads on change. Two kinds:
 *
 * - connection faults (the daemon applies them to each new SSH connection):
 *   unreachable, blackhole, flakyPercent, slowHandshakeMs, latencyMs, bandwidthKbps,
 *   dropAfterBytes, changedHostKey, wanDown (when the station has no 4G backup);
 * - station faults (files under the station root the agent or the stubs look at):
 *   diskFull (a `df` stub), failReload (lab/fail-<name>), unplug (USB entries removed),
 *   wanDown (sys/class/net/wan/operstate = down), rebootDuringApply (+ rebootDownMs).
 */

/** Stub platform commands that can be told to fail (station/lab-stubs). */
export const reloadStubs = ['network', 'firewall', 'dnsmasq', 'dropbear', 'wifi', 'reboot'] as const
export type ReloadStub = (typeof reloadStubs)[number]
/** The agent's reload names for the same commands, accepted as aliases. */
const reloadAliases: Record<string, ReloadStub> = { wireless: 'wifi', dhcp: 'dnsmasq' }

const ms = z.int().min(0).max(600_000, 'at most 600000 ms (10 minutes)')
const reloadStub = z.preprocess((v) => (typeof v === 'string' && v in reloadAliases ? reloadAliases[v] : v), z.enum(reloadStubs))
const oneOrMany = <T extends z.ZodType>(t: T) => z.union([t, z.array(t)]).transform((v) => (Array.isArray(v) ? v : [v]) as Array<z.output<T>>)

export const stationFaultsSchema = z.strictObject({
  /** New connections are reset right after the TCP accept (the client sees ECONNRESET). */
  unreachable: z.boolean().optional(),
  /** New connections are accepted and never answered (the client hits its own timeout). */
  blackhole: z.boolean().optional(),
  /** Percentage of new connections reset like `unreachable` (a flaky link). */
  flakyPercent: z.number().min(0).max(100).optional(),
  /** The server's first bytes are held back this long. */
  slowHandshakeMs: ms.optional(),
  /** Added round-trip time: every chunk is delayed latencyMs/2 in each direction. */
  latencyMs: ms.optional(),
  /** Each direction is paced to this rate (kilobits per second). */
  bandwidthKbps: z.number().positive().max(10_000_000).optional(),
  /** The connection is cut after this many bytes (both directions together). */
  dropAfterBytes: z.int().min(1).max(1_000_000_000).optional(),
  /** `df` reports 0 KB available on every filesystem. */
  diskFull: z.boolean().optional(),
  /** The station answers with a different host key than the one in target.json. */
  changedHostKey: z.boolean().optional(),
  /** After an `apply` exec finishes, the station reboots (RAM lost, boot hook runs). */
  rebootDuringApply: z.boolean().optional(),
  /** How long a lab reboot keeps the station down (default 3000 ms). */
  rebootDownMs: ms.optional(),
  /** These stub platform commands exit 1 (network, firewall, dnsmasq/dhcp, dropbear, wifi/wireless, reboot). */
  failReload: oneOrMany(reloadStub).optional(),
  /** USB devices of these types are unplugged (their sys/bus/usb entries disappear). */
  unplug: oneOrMany(deviceType).optional(),
  /** The WAN link is down (operstate down); without a 4G backup the station is also unreachable. */
  wanDown: z.boolean().optional(),
})

export type StationFaults = z.output<typeof stationFaultsSchema>
export type FaultKey = keyof StationFaults
export const faultKeys = Object.keys(stationFaultsSchema.shape) as FaultKey[]

export const DEFAULT_REBOOT_DOWN_MS = 3000

/** One entry of the faults file: a selector and the faults it sets. */
export interface FaultRule {
  /** '*', a 12-digit station id, or a town (NBS code, slug or Chinese name). */
  selector: string
  faults: StationFaults
  position?: SourcePosition
}

/** What a selector can match. */
export interface FaultTarget {
  id: string
  town: { code: string; slug: string; name: string }
}

/** Selector specificity: '*' < town < station, so a station entry wins over its town's. */
function specificity(selector: string, t: FaultTarget): number {
  if (selector === '*') return 1
  if (selector === t.id) return 3
  if (selector === t.town.code || selector === t.town.slug || selector === t.town.name) return 2
  return 0
}

export function matchesSelector(selector: string, t: FaultTarget): boolean {
  return specificity(selector, t) > 0
}

/** The faults in force for one station: matching rules merged, more specific last. */
export function faultsFor(rules: readonly FaultRule[], t: FaultTarget): StationFaults {
  const matching = rules
    .map((r, order) => ({ r, order, s: specificity(r.selector, t) }))
    .filter((m) => m.s > 0)
    .sort((a, b) => a.s - b.s || a.order - b.order)
  const out: StationFaults = {}
  for (const { r } of matching) Object.assign(out, r.faults)
  return out
}

/** Only the settings that do something (false, 0 and empty lists are "off"). */
export function activeFaults(f: StationFaults): StationFaults {
  const out: Record<string, unknown> = {}
  // In the schema's order, so `lab status` always lists faults the same way.
  for (const k of faultKeys) {
    const v = f[k]
    if (v === undefined || v === false || v === 0 || (Array.isArray(v) && v.length === 0)) continue
    if (k === 'rebootDownMs' && !f.rebootDuringApply) continue
    out[k] = v
  }
  return out as StationFaults
}

/** `latencyMs=200 unreachable failReload=network` */
export function describeFaults(f: StationFaults): string {
  return Object.entries(activeFaults(f))
    .map(([k, v]) => (v === true ? k : `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`))
    .join(' ')
}

/** Problems for selectors that match no station of the lab. */
export function checkSelectors(rules: readonly FaultRule[], targets: readonly FaultTarget[], file?: string): InputProblem[] {
  const problems: InputProblem[] = []
  for (const r of rules) {
    if (r.selector === '*' || targets.some((t) => matchesSelector(r.selector, t))) continue
    problems.push({
      severity: 'error',
      field: r.selector,
      ...(r.position ? { position: r.position } : file ? { position: { file, line: 1, col: 1 } } : {}),
      message: `'${r.selector}' is no station or town of this lab: use a 12-digit station id, a town (NBS code, slug or Chinese name) or '*'`,
    })
  }
  return problems
}

export const MAX_FAULTS_FILE_BYTES = 1024 * 1024

/**
 * Parses a faults file: a YAML map `<selector>: {key: value, …}`. Every problem
 * is reported with file:line:col; unknown keys are errors (a typo must not
 * silently disable a fault a trainer relies on).
 */
export function parseFaults(text: string, file: string, targets?: readonly FaultTarget[]): { rules: FaultRule[]; problems: InputProblem[] } {
  const problems: InputProblem[] = []
  const lc = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, strict: true })
  const at = (offset: number | undefined): SourcePosition => {
    if (offset === undefined) return { file, line: 1, col: 1 }
    const { line, col } = lc.linePos(offset)
    return { file, line, col }
  }
  for (const e of doc.errors) problems.push({ severity: 'error', position: at(e.pos[0]), message: e.message.split('\n')[0] ?? e.message })
  if (problems.length > 0) return { rules: [], problems }

  const rules: FaultRule[] = []
  const root = doc.contents
  if (root === null || (isScalar(root) && root.value === null)) return { rules, problems }
  if (!isMap(root)) {
    problems.push({ severity: 'error', position: at(root.range?.[0]), message: "the faults file must be a map of '<station id | town | *>: {fault: value, …}'" })
    return { rules, problems }
  }
  for (const item of root.items) {
    const pair = item as Pair<YamlNode | null, YamlNode | null>
    const keyNode = pair.key
    const selector = isScalar(keyNode) ? String(keyNode.value) : ''
    const position = at(keyNode?.range?.[0])
    if (!selector) {
      problems.push({ severity: 'error', position, message: 'each key must be a station id, a town or *' })
      continue
    }
    const valueNode = pair.value
    let data: unknown
    try {
      data = valueNode === null || valueNode === undefined ? {} : valueNode.toJSON()
    } catch (err) {
      problems.push({ severity: 'error', position, field: selector, message: (err as Error).message })
      continue
    }
    if (data === null) data = {}
    const parsed = stationFaultsSchema.safeParse(data)
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(issueProblem(issue, selector, valueNode, at))
      continue
    }
    rules.push({ selector, faults: parsed.data, position })
  }
  if (targets) problems.push(...checkSelectors(rules, targets, file))
  return { rules, problems }
}

function issueProblem(issue: z.core.$ZodIssue, selector: string, valueNode: YamlNode | null | undefined, at: (o: number | undefined) => SourcePosition): InputProblem {
  const key = issue.code === 'unrecognized_keys' ? (issue.keys[0] ?? '') : String(issue.path[0] ?? '')
  const pair = isMap(valueNode) ? valueNode.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key) : undefined
  const keyOffset = pair && isScalar(pair.key) ? pair.key.range?.[0] : undefined
  const valueOffset = pair && pair.value && typeof pair.value === 'object' && 'range' in pair.value ? (pair.value as YamlNode).range?.[0] : undefined
  const field = key ? `${selector}.${key}` : selector
  if (issue.code === 'unrecognized_keys') {
    return {
      severity: 'error',
      field,
      position: at(keyOffset ?? valueNode?.range?.[0]),
      message: `unknown fault '${key}'${suggest(key)}; known faults: ${faultKeys.join(', ')}`,
    }
  }
  const message = issue.message.replace(/^Invalid input: /, '')
  return { severity: 'error', field, position: at(valueOffset ?? keyOffset ?? valueNode?.range?.[0]), message: key ? `${key}: ${message}` : message }
}

function suggest(key: string): string {
  const lower = key.toLowerCase()
  let best: { k: string; d: number } | undefined
  for (const k of faultKeys) {
    const d = editDistance(lower, k.toLowerCase())
    if (!best || d < best.d) best = { k, d }
  }
  return best && best.d <= Math.max(1, Math.floor(key.length / 4)) ? ` (did you mean '${best.k}'?)` : ''
}

/** Levenshtein distance (short strings only: fault keys). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[b.length] ?? 0
}

/** Reads and parses a faults file; throws InvalidInputError (exit 3) listing every problem. */
export async function loadFaultsFile(file: string, targets?: readonly FaultTarget[]): Promise<FaultRule[]> {
  let text: string
  try {
    const st = await stat(file)
    if (st.size > MAX_FAULTS_FILE_BYTES) throw new InvalidInputError(`${file} is ${st.size} bytes; a faults file is at most ${MAX_FAULTS_FILE_BYTES}`, [], 'A faults file lists a few stations and towns; check you passed the right file.')
    text = await readFile(file, 'utf8')
  } catch (err) {
    if (err instanceof InvalidInputError) throw err
    throw new UsageError(`cannot read the faults file ${file}: ${(err as Error).message}`, 'Pass an existing YAML file to --faults (see docs/lab.md, "Faults").')
  }
  const { rules, problems } = parseFaults(text, file, targets)
  if (problems.length > 0) {
    throw new InvalidInputError(`the faults file ${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}`, problems, 'Fix each file:line above (the fault keys are listed in docs/lab.md), then run the command again.')
  }
  return rules
}

/** The faults file as written to <home>/lab/faults.yaml. */
export function serializeFaults(rules: readonly FaultRule[]): string {
  const lines = ['# lastmile lab faults: <station id | town | *>: {fault: value, …}. See docs/lab.md.', '# Edit with `lastmile lab fault set/clear`; the lab daemon re-reads this file when it changes.']
  if (rules.length === 0) lines.push('{}')
  for (const r of rules) {
    const entries = Object.entries(r.faults)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? `[${v.join(', ')}]` : typeof v === 'string' ? JSON.stringify(v) : String(v)}`)
    lines.push(`${JSON.stringify(r.selector)}: {${entries.join(', ')}}`)
  }
  return lines.join('\n') + '\n'
}

const booleanKeys = new Set<FaultKey>(faultKeys.filter((k) => stationFaultsSchema.shape[k].unwrap() instanceof z.ZodBoolean))
const listKeys = new Set<FaultKey>(['failReload', 'unplug'])

/**
 * `lab fault set` arguments: `key=value` (or a bare boolean key meaning true).
 * Lists are comma-separated (`failReload=network,wifi`).
 */
export function parseAssignments(args: readonly string[]): StationFaults {
  const raw: Record<string, unknown> = {}
  const problems: InputProblem[] = []
  for (const arg of args) {
    const eq = arg.indexOf('=')
    const key = eq === -1 ? arg : arg.slice(0, eq)
    const value = eq === -1 ? undefined : arg.slice(eq + 1)
    if (!(faultKeys as string[]).includes(key)) {
      problems.push({ severity: 'error', field: key, message: `unknown fault '${key}'${suggest(key)}; known faults: ${faultKeys.join(', ')}` })
      continue
    }
    const k = key as FaultKey
    if (value === undefined) {
      if (!booleanKeys.has(k)) problems.push({ severity: 'error', field: key, message: `${key} needs a value: ${key}=<value>` })
      else raw[key] = true
    } else if (booleanKeys.has(k)) {
      const b = /^(true|yes|on|1)$/i.test(value) ? true : /^(false|no|off|0)$/i.test(value) ? false : undefined
      if (b === undefined) problems.push({ severity: 'error', field: key, message: `${key} is true or false, not '${value}'` })
      else raw[key] = b
    } else if (listKeys.has(k)) {
      raw[key] = value.split(',').map((s) => s.trim()).filter(Boolean)
    } else {
      const n = Number(value)
      if (value.trim() === '' || !Number.isFinite(n)) problems.push({ severity: 'error', field: key, message: `${key} is a number, not '${value}'` })
      else raw[key] = n
    }
  }
  if (problems.length === 0) {
    const parsed = stationFaultsSchema.safeParse(raw)
    if (parsed.success) return parsed.data
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '')
      problems.push({ severity: 'error', field: key, message: `${key}: ${issue.message.replace(/^Invalid input: /, '')}` })
    }
  }
  throw new InvalidInputError(`${problems.length} bad fault setting${problems.length === 1 ? '' : 's'}`, problems, 'Write faults as key=value, e.g. `lastmile lab fault set 441802006001 latencyMs=200 failReload=network` (see docs/lab.md).')
}

/** Adds or updates the rule for a selector (its keys are merged into the existing ones). */
export function setRule(rules: readonly FaultRule[], selector: string, faults: StationFaults): FaultRule[] {
  const out = rules.map((r) => ({ ...r, faults: { ...r.faults } }))
  const existing = out.find((r) => r.selector === selector)
  if (existing) Object.assign(existing.faults, faults)
  else out.push({ selector, faults: { ...faults } })
  return out.map(({ selector: s, faults: f }) => ({ selector: s, faults: f }))
}

/** Removes some keys of a selector's rule, or the whole rule when no keys are given. */
export function clearRule(rules: readonly FaultRule[], selector: string, keys: readonly string[] = []): FaultRule[] {
  const out: FaultRule[] = []
  for (const r of rules) {
    if (r.selector !== selector) {
      out.push({ selector: r.selector, faults: r.faults })
      continue
    }
    if (keys.length === 0) continue
    const faults = Object.fromEntries(Object.entries(r.faults).filter(([k]) => !keys.includes(k))) as StationFaults
    if (Object.keys(faults).length > 0) out.push({ selector: r.selector, faults })
  }
  return out
}

export type { DeviceType }
