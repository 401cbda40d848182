import { readFile, readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { isMap, isScalar, isSeq, type Document } from 'yaml'
import type { z } from 'zod'
import { InvalidInputError, type InputProblem } from '../cli/errors.js'
import { districtFile, operatorsFile, townFile, type DistrictSpec, type Operator, type TownFile } from './schema.js'
import { PositionIndex } from './positions.js'
import type { ParsedYaml, YamlParseCache } from './parse-cache.js'
import { parseInventoryYaml } from './yaml-text.js'
import type { Inventory, Station, Town } from './model.js'

/** Inventory files are small; anything bigger is a mistake or an attack. */
export const MAX_FILE_BYTES = 2 * 1024 * 1024
/** Enough for legitimate anchors; a billion-laughs file needs far more. */
export const MAX_ALIAS_COUNT = 100

export interface LoadOptions {
  /** Parsed files by content (the rollout's `<home>/cache/`): an unchanged file is not parsed again. */
  cache?: YamlParseCache
}

export interface LoadResult {
  inventory?: Inventory
  problems: InputProblem[]
}

/**
 * Reads and checks the shape of every inventory file, collecting every problem
 * (not just the first) with its file:line:col. Cross-field checks are separate
 * (cross-checks.ts) and run on the result.
 */
export async function loadInventory(dir: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const problems: InputProblem[] = []
  const positions = new PositionIndex()

  let dirStat
  try {
    dirStat = await stat(dir)
  } catch {
    return { problems: [{ severity: 'error', message: `inventory directory ${dir} does not exist; pass --inventory DIR (default inventory/qingcheng)` }] }
  }
  if (!dirStat.isDirectory()) return { problems: [{ severity: 'error', message: `${dir} is not a directory; --inventory takes the folder holding district.yaml` }] }

  const districtPath = path.join(dir, 'district.yaml')
  const operatorsPath = path.join(dir, 'operators.yaml')
  let townPaths: string[] = []
  try {
    townPaths = (await readdir(path.join(dir, 'towns')))
      .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
      .sort()
      .map((f) => path.join(dir, 'towns', f))
    // An empty towns/ folder would otherwise load as a valid inventory with no stations.
    if (townPaths.length === 0) problems.push({ severity: 'error', message: `no town files in ${path.join(dir, 'towns')}: each town's stations live in towns/<town>.yaml` })
  } catch {
    problems.push({ severity: 'error', message: `no towns/ folder in ${dir}: each town's stations live in towns/<town>.yaml` })
  }

  const district = await parseFile(districtPath, districtFile, positions, problems, opts.cache)
  const operators = await parseFile(operatorsPath, operatorsFile, positions, problems, opts.cache)
  const townFiles: Array<{ file: string; data: TownFile }> = []
  for (const file of townPaths) {
    const data = await parseFile(file, townFile, positions, problems, opts.cache)
    if (data) townFiles.push({ file, data })
  }
  // A cache that cannot be written costs the next load its speed, not this load its result.
  await opts.cache?.flush().catch(() => undefined)

  if (!district || !operators || problems.some((p) => p.severity === 'error')) return { problems }
  return { inventory: assemble(dir, district.district, operators.operators, townFiles, positions), problems }
}

/** Like loadInventory, but throws InvalidInputError (exit 3) with every problem. */
export async function loadInventoryOrThrow(dir: string, opts: LoadOptions = {}): Promise<{ inventory: Inventory; warnings: InputProblem[] }> {
  const { inventory, problems } = await loadInventory(dir, opts)
  const errors = problems.filter((p) => p.severity === 'error')
  if (!inventory || errors.length > 0) {
    throw new InvalidInputError(`the inventory in ${dir} has ${errors.length} error${errors.length === 1 ? '' : 's'}`, problems, 'Fix each file:line above, then run `lastmile inventory validate`.')
  }
  return { inventory, warnings: problems.filter((p) => p.severity === 'warning') }
}

function assemble(dir: string, district: DistrictSpec, operators: Operator[], towns: Array<{ file: string; data: TownFile }>, positions: PositionIndex): Inventory {
  const loadedTowns: Town[] = towns.map(({ file, data }) => {
    const townRef = { code: data.town.code, name: data.town.name, slug: data.town.slug }
    const stations: Station[] = data.stations.map((s, index) => ({
      ...s,
      town: townRef,
      ssh: { ...district.defaults.ssh, ...(s.ssh ?? {}) },
      source: { file, index },
    }))
    return { ...data.town, file, stations }
  })
  return {
    dir,
    district,
    towns: loadedTowns,
    stations: loadedTowns.flatMap((t) => t.stations),
    operators,
    positions,
  }
}

async function parseFile<S extends z.ZodType>(file: string, schema: S, positions: PositionIndex, problems: InputProblem[], cache: YamlParseCache | undefined): Promise<z.output<S> | undefined> {
  const read = await readYaml(file, positions, problems, cache)
  if (!read) return undefined
  const parsed = schema.safeParse(read.data)
  if (parsed.success) return parsed.data
  const doc = positions.document(file)
  if (!doc) throw new Error(`bug: no YAML document for ${file}`)
  for (const issue of parsed.error.issues) problems.push(issueToProblem(file, issue, doc, positions))
  return undefined
}

/** The file's data, from the cache or parsed (then cached when it had no error); undefined after an error. */
async function readYaml(file: string, positions: PositionIndex, problems: InputProblem[], cache: YamlParseCache | undefined): Promise<{ data: unknown } | undefined> {
  let bytes: Buffer
  try {
    const st = await stat(file)
    if (st.size > MAX_FILE_BYTES) {
      problems.push({ severity: 'error', position: { file, line: 1, col: 1 }, message: `file is ${st.size} bytes; inventory files are limited to ${MAX_FILE_BYTES} bytes` })
      return undefined
    }
    bytes = await readFile(file)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT'
        ? 'is missing: an inventory needs district.yaml, operators.yaml and towns/*.yaml'
        : code === 'EISDIR'
          ? 'is a folder, not a file: move it away (every towns/*.yaml is read as a town file)'
          : `cannot be read (${code ?? (err as Error).message}): check its permissions`
    problems.push({ severity: 'error', message: `${file} ${why}` })
    return undefined
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    const line = lineOfFirstBadUtf8(bytes)
    problems.push({ severity: 'error', position: { file, line, col: 1 }, message: 'file is not valid UTF-8 (save it as UTF-8; GBK/GB2312 editors are a common cause)' })
    return undefined
  }
  const key = cache?.key(bytes)
  const hit = key === undefined ? undefined : cache?.get(key)
  if (hit) {
    positions.addText(file, text)
    for (const w of hit.warnings) problems.push({ severity: 'warning', position: { file, line: w.line, col: w.col }, message: w.message })
    return { data: hit.data }
  }
  const { doc, lc } = parseInventoryYaml(text)
  positions.add(file, doc, lc)
  const warnings: ParsedYaml['warnings'] = []
  for (const e of doc.errors) {
    const pos = lc.linePos(e.pos[0])
    problems.push({ severity: 'error', position: { file, line: pos.line, col: pos.col }, message: yamlMessage(e.code, e.message) })
  }
  for (const w of doc.warnings) {
    const pos = lc.linePos(w.pos[0])
    // Unknown tags (e.g. !!js/function) would otherwise load as plain strings: refuse them.
    const severity = w.code === 'TAG_RESOLVE_FAILED' ? 'error' : 'warning'
    const message = w.message.split('\n')[0] ?? w.message
    problems.push({ severity, position: { file, line: pos.line, col: pos.col }, message })
    warnings.push({ line: pos.line, col: pos.col, message })
  }
  if (doc.errors.length > 0 || doc.warnings.some((w) => w.code === 'TAG_RESOLVE_FAILED')) return undefined
  let data: unknown
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (err) {
    problems.push({ severity: 'error', position: { file, line: 1, col: 1 }, message: `${(err as Error).message} (aliases are limited to ${MAX_ALIAS_COUNT} expansions to stop alias bombs)` })
    return undefined
  }
  // JSON keeps everything the core schema yields except .inf, .nan and -0: such a file is not cached.
  if (key !== undefined && survivesJson(data)) cache?.set(key, { data, warnings })
  return { data }
}

function survivesJson(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0)
  if (Array.isArray(v)) return v.every(survivesJson)
  if (v && typeof v === 'object') return Object.values(v).every(survivesJson)
  return v === null || typeof v === 'string' || typeof v === 'boolean'
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0] ?? message
  if (code === 'DUPLICATE_KEY') return `duplicate key: ${first} (a later value would silently win; keep one)`
  return first
}

/** 1-based line of the first byte sequence that is not UTF-8. */
function lineOfFirstBadUtf8(bytes: Buffer): number {
  const lossy = new TextDecoder('utf-8', { fatal: false }).decode(bytes)
  const at = lossy.indexOf('\uFFFD')
  return lossy.slice(0, Math.max(0, at)).split('\n').length
}

export function formatFieldPath(p: ReadonlyArray<PropertyKey>): string {
  let out = ''
  for (const seg of p) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${String(seg)}` : String(seg)
  return out
}

function issueToProblem(file: string, issue: z.core.$ZodIssue, doc: Document, positions: PositionIndex): InputProblem {
  const p = issue.path
  const stationIdx = p[0] === 'stations' && typeof p[1] === 'number' ? p[1] : undefined
  const stationId = stationIdx === undefined ? undefined : (doc.getIn(['stations', stationIdx, 'id']) as unknown)
  const base = { severity: 'error' as const, ...(typeof stationId === 'string' ? { station: stationId } : {}) }
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? ''
    return {
      ...base,
      field: formatFieldPath([...p, key]),
      position: positions.locateKey(file, p, key),
      message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')} (a typo? unknown keys are rejected so a setting is never silently ignored)`,
    }
  }
  const foundText = describeFound(doc, p)
  return {
    ...base,
    field: formatFieldPath(p),
    position: positions.locate(file, p),
    message: `${cleanZodMessage(issue.message)}; found ${foundText}`,
  }
}

/** What the YAML has at `p`, for "…; found X". `getIn` returns collections as YAML nodes, not arrays. */
function describeFound(doc: Document, p: ReadonlyArray<PropertyKey>): string {
  if (p.length === 0 && (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null))) return 'an empty file'
  const found: unknown = p.length === 0 ? doc.contents : doc.getIn(p as unknown[], true)
  if (found === undefined) return 'nothing (the field is missing)'
  if (isSeq(found)) return found.items.length === 0 ? 'an empty list' : 'a list'
  if (isMap(found)) return found.items.length === 0 ? 'an empty map' : 'a map'
  const value = isScalar(found) ? found.value : found
  return value === null ? 'nothing (null)' : JSON.stringify(value)
}

function cleanZodMessage(m: string): string {
  return m.replace(/^Invalid input: /, '').replace(/^Invalid string: /, '')
}
