import { createHash, createHmac } from 'node:crypto'
import { InvalidInputError, type InputProblem } from '../cli/errors.js'
import { buildTemplateContext, checkStation, type Mode, type StationRenderContext } from './context.js'
import { liquidProblem } from './engine.js'
import { displayPath, type PlatformFile } from './platform.js'
import { MASKED_SECRET_RE, SecretUse } from './secret-value.js'
import path from 'node:path'

export interface RenderedFile {
  /** absolute path on the station, e.g. /etc/config/network */
  path: string
  /** octal, e.g. '0600' */
  mode: string
  /** the agent's reload action for this file, or '-' */
  reload: string
  content: Buffer
  /** hex sha256 of content */
  sha256: string
  size: number
  /** refs of the secrets written into this file */
  secretFields: string[]
  /** the same file rendered with every secret as `‹secret:<ref>›` (only with `masked: true`) */
  maskedContent?: string
}

export interface RenderedStation {
  stationId: string
  platform: string
  files: RenderedFile[]
  /** first 16 hex of sha256 over the sorted `<sha256> <mode> <path>` lines: same input, same id */
  configId: string
  /** ref → HMAC of the value under the local fingerprint key (only with `fingerprintKey`) */
  secretFingerprints?: Record<string, string>
}

export interface RenderStationOptions {
  /** also render the masked view of every file (plans, applied records) */
  masked?: boolean
  /** compute HMAC fingerprints of the station's secrets with this key */
  fingerprintKey?: Buffer
  /** the district's config-id key (district.configIdKey): config ids are HMACs under it */
  configIdKey?: Buffer
}

/**
 * Renders one station's files. Pure: the platform's templates are already
 * parsed and the secrets already resolved. Throws InvalidInputError with every
 * problem of this station (inventory lines for data problems, template
 * file:line:col for template problems).
 */
export function renderStation(ctx: StationRenderContext, opts: RenderStationOptions = {}): RenderedStation {
  const problems = checkStation(ctx)
  if (problems.length > 0) throw stationError(ctx.station.id, problems)

  const real = renderFiles(ctx, 'real', problems)
  const masked = opts.masked && problems.length === 0 ? renderFiles(ctx, 'masked', problems, real) : undefined
  if (problems.length > 0) throw stationError(ctx.station.id, problems)

  const files: RenderedFile[] = real.map(({ file, text, secrets }, i) => {
    const content = Buffer.from(text, 'utf8')
    const maskedText = masked?.[i]?.text
    if (maskedText !== undefined) {
      // The masked view must name exactly the secrets the real file holds.
      const marked = new Set([...maskedText.matchAll(MASKED_SECRET_RE)].map((m) => m[1]!))
      if (marked.size !== secrets.size || [...secrets].some((r) => !marked.has(r))) throw new Error(`bug: masked and real renders of ${file.path} for ${ctx.station.id} use different secrets`)
    }
    if (secrets.size > 0 && (parseInt(file.mode, 8) & 0o077) !== 0) {
      problems.push({
        severity: 'error',
        station: ctx.station.id,
        position: file.modePosition,
        field: file.path,
        message: `${file.path} holds secrets (${[...secrets].join(', ')}) but its mode ${file.mode} lets others read it; use '0600'`,
      })
    }
    return {
      path: file.path,
      mode: file.mode,
      reload: file.reload,
      content,
      sha256: sha256(content),
      size: content.length,
      secretFields: [...secrets].sort(),
      ...(maskedText !== undefined ? { maskedContent: maskedText } : {}),
    }
  })
  if (problems.length > 0) throw stationError(ctx.station.id, problems)

  const result: RenderedStation = { stationId: ctx.station.id, platform: ctx.platform.name, files, configId: configIdOf(files, opts.configIdKey) }
  if (opts.fingerprintKey) {
    const key = opts.fingerprintKey
    const refs = [...new Set(files.flatMap((f) => f.secretFields))].sort()
    result.secretFingerprints = Object.fromEntries(refs.map((ref) => [ref, ctx.secrets.get(ref)!.fingerprint(key)]))
  }
  return result
}

interface FileText {
  file: PlatformFile
  text: string
  secrets: Set<string>
}

/**
 * Renders the platform's files in one mode. For the masked pass, `real` is the
 * real pass: a file that used no secret there is the same text in both modes
 * (see SecretValue), so only files holding secrets are rendered again.
 */
function renderFiles(ctx: StationRenderContext, mode: Mode, problems: InputProblem[], real?: FileText[]): FileText[] {
  const { liquid } = ctx.platform
  const use = new SecretUse()
  const scope = buildTemplateContext(ctx, mode, use)
  const out: FileText[] = []
  if (real) {
    for (const r of real) {
      if (r.secrets.size === 0) {
        out.push(r)
        continue
      }
      use.current = new Set()
      try {
        out.push({ file: r.file, text: tidy(String(liquid.renderSync(r.file.parsed, scope))), secrets: use.current })
      } catch (err) {
        problems.push(liquidProblem(err, { file: r.file.templateFile, station: ctx.station.id }))
      }
    }
    return out
  }
  for (const file of ctx.platform.files) {
    try {
      if (file.condition && liquid.renderSync(file.condition, scope) !== '1') continue
    } catch (err) {
      problems.push({ ...liquidProblem(err, { file: displayPath(path.join(ctx.platform.dir, 'platform.yaml')), station: ctx.station.id }), field: `when: ${file.when}` })
      continue
    }
    use.current = new Set()
    try {
      const text = tidy(String(liquid.renderSync(file.parsed, scope)))
      out.push({ file, text, secrets: use.current })
    } catch (err) {
      problems.push(liquidProblem(err, { file: file.templateFile, station: ctx.station.id }))
    }
  }
  return out
}

/**
 * Layout only: trailing blanks removed, runs of blank lines collapsed, one
 * final newline. Templates can then use plain `{% if %}` blocks without
 * whitespace-control noise, and the output is stable.
 */
export function tidy(text: string): string {
  const t = text.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n').replace(/^\n+/, '').replace(/\n+$/, '')
  return t ? t + '\n' : ''
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex')
}

/**
 * First 16 hex of HMAC-SHA256(key) — or, without a key, sha256 — over the
 * sorted `<sha256> <mode> <path>` lines, each ending in a newline. Keyed,
 * because everything in a station's files but its secrets is public: an
 * unkeyed id would let anyone holding a report test guesses of a weak PSK.
 */
export function configIdOf(files: ReadonlyArray<Pick<RenderedFile, 'sha256' | 'mode' | 'path'>>, key?: Buffer): string {
  const lines = files.map((f) => `${f.sha256} ${f.mode} ${f.path}\n`).sort()
  if (key) return createHmac('sha256', key).update(lines.join('')).digest('hex').slice(0, 16)
  return sha256(lines.join('')).slice(0, 16)
}

/** The agent's MANIFEST: `<sha256> <mode> <reload|-> <path>` per file, sorted by path. */
export function manifestLines(rendered: Pick<RenderedStation, 'files'>): string[] {
  return [...rendered.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => `${f.sha256} ${f.mode} ${f.reload || '-'} ${f.path}`)
}

function stationError(id: string, problems: InputProblem[]): InvalidInputError {
  return new InvalidInputError(`station ${id} cannot be rendered: ${problems.length} problem${problems.length === 1 ? '' : 's'}`, problems, 'Fix each file:line above (inventory or template), then render again.')
}
