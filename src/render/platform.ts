import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Liquid, Template } from 'liquidjs'
import { LineCounter, parseDocument, isNode, isPair, isScalar } from 'yaml'
import { z } from 'zod'
import { InvalidInputError, type InputProblem, type SourcePosition } from '../cli/errors.js'
import { AGENT_RELOADS, managedPathProblem } from '../station/bundle.js'
import { createEngine, liquidProblem, parseTemplate } from './engine.js'

/**
 * A platform is a folder under templates/ holding platform.yaml (the platform
 * map) and the Liquid templates it names. Nothing about a platform is in code:
 * a new platform is a new folder.
 */
export interface Platform {
  name: string
  description: string
  /** absolute folder */
  dir: string
  /** reload action names in the order the agent runs them, with the command each stands for (documentation) */
  reloads: Array<{ name: string; command: string }>
  /** platform constants (port names, radio phys, country) exposed to templates as `platform.vars` */
  vars: Record<string, unknown>
  files: PlatformFile[]
  liquid: Liquid
}

export interface PlatformFile {
  /** template path relative to the platform folder */
  template: string
  /** the template as named in errors (relative to the working directory when inside it) */
  templateFile: string
  /** absolute path on the station */
  path: string
  mode: string
  /** reload action name, or '-' */
  reload: string
  /** Liquid condition; the file exists only when it is truthy */
  when?: string
  parsed: Template[]
  condition?: Template[]
  /** where this entry's `mode` is written in platform.yaml */
  modePosition: SourcePosition
}

/** The agent's rule for a managed path (station/lastmile-station `valid_path`). */
const stationPath = z.string().superRefine((p, ctx) => {
  const bad = managedPathProblem(p)
  if (bad) ctx.addIssue({ code: 'custom', message: `${p} ${bad}` })
})
/** Only the actions the station agent can run: anything else would fail every apply. */
const actionName = z.enum(AGENT_RELOADS, { message: `one of the reload actions the station agent runs: ${AGENT_RELOADS.join(', ')}` })

const platformFileSchema = z.strictObject({
  platform: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'the folder name: lower-case letters, digits, -'),
  description: z.string().min(1),
  reloads: z.array(z.strictObject({ name: actionName, command: z.string().min(1) })).min(1),
  vars: z.record(z.string(), z.unknown()).default({}),
  files: z
    .array(
      z.strictObject({
        template: z.string().regex(/^[A-Za-z0-9._-][A-Za-z0-9._/-]*\.liquid$/, 'a .liquid file inside the platform folder'),
        path: stationPath,
        mode: z.string().regex(/^0[0-7]{3}$/, "an octal mode in quotes, like '0644'"),
        reload: z.union([actionName, z.literal('-')]),
        when: z.string().min(1).optional(),
        description: z.string().optional(),
      }),
    )
    .min(1),
})

export function defaultTemplatesDir(): string {
  // src/render/platform.ts and dist/render/platform.js are both two levels below the package root.
  return fileURLToPath(new URL('../../templates/', import.meta.url))
}

const cache = new Map<string, Promise<Platform>>()

/** Loads and parses a platform once per process (templates are parsed once, not per station). */
export function loadPlatform(name: string, templatesDir: string = defaultTemplatesDir()): Promise<Platform> {
  const dir = path.resolve(templatesDir, name)
  let p = cache.get(dir)
  if (!p) {
    p = readPlatform(name, dir)
    cache.set(dir, p)
    p.catch(() => cache.delete(dir))
  }
  return p
}

/** For tests that rewrite templates in place. */
export function clearPlatformCache(): void {
  cache.clear()
}

export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file)
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file
}

async function readPlatform(name: string, dir: string): Promise<Platform> {
  const mapFile = path.join(dir, 'platform.yaml')
  const shown = displayPath(mapFile)
  let text: string
  try {
    text = await readFile(mapFile, 'utf8')
  } catch {
    throw new InvalidInputError(`no platform '${name}': ${shown} is missing`, [{ severity: 'error', message: `${shown} does not exist; a platform is a folder under templates/ with a platform.yaml`, position: { file: shown, line: 1, col: 1 } }], `Use a platform that exists under ${displayPath(path.dirname(dir))}/, or add its folder and platform.yaml (see docs/templates.md).`)
  }
  const lc = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false })
  const locate = (p: ReadonlyArray<PropertyKey>): SourcePosition => {
    for (let n = p.length; n >= 0; n--) {
      const node = doc.getIn(p.slice(0, n) as unknown[], true)
      const offset = isNode(node) ? node.range?.[0] : isPair(node) && isScalar(node.key) ? node.key.range?.[0] : undefined
      if (offset !== undefined) {
        const { line, col } = lc.linePos(offset)
        return { file: shown, line, col }
      }
    }
    return { file: shown, line: 1, col: 1 }
  }
  const problems: InputProblem[] = doc.errors.map((e) => {
    const { line, col } = lc.linePos(e.pos[0])
    return { severity: 'error' as const, position: { file: shown, line, col }, message: e.message.split('\n')[0] ?? e.message }
  })
  const fail = (): never => {
    throw new InvalidInputError(`the platform map ${shown} has ${problems.length} problem${problems.length === 1 ? '' : 's'}`, problems, 'Fix each file:line above (the format is in docs/templates.md).')
  }
  if (problems.length) fail()
  const parsed = platformFileSchema.safeParse(doc.toJS())
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ severity: 'error', position: locate(issue.path), field: issue.path.join('.'), message: issue.message })
    fail()
  }
  const spec = parsed.data!
  if (spec.platform !== name) problems.push({ severity: 'error', position: locate(['platform']), field: 'platform', message: `platform is '${spec.platform}' but the folder is '${name}'; they must match` })
  const actions = new Set(spec.reloads.map((r) => r.name))
  const seen = new Set<string>()
  spec.files.forEach((f, i) => {
    if (f.reload !== '-' && !actions.has(f.reload)) problems.push({ severity: 'error', position: locate(['files', i, 'reload']), field: `files[${i}].reload`, message: `reload '${f.reload}' is not one of the reloads listed at the top (${[...actions].join(', ')}) or '-'` })
    if (seen.has(f.path)) problems.push({ severity: 'error', position: locate(['files', i, 'path']), field: `files[${i}].path`, message: `${f.path} is listed twice` })
    seen.add(f.path)
    if (f.template.split('/').includes('..')) problems.push({ severity: 'error', position: locate(['files', i, 'template']), field: `files[${i}].template`, message: 'a template must be inside the platform folder' })
  })
  if (problems.length) fail()

  // Every .liquid file of the folder is available to {% render %}/{% include %}; nothing else is.
  const sources: Record<string, string> = {}
  for (const rel of await listLiquid(dir)) sources[rel] = await readFile(path.join(dir, rel), 'utf8')
  const liquid = createEngine(sources)
  const files: PlatformFile[] = []
  spec.files.forEach((f, i) => {
    const templateFile = displayPath(path.join(dir, f.template))
    const source = sources[f.template]
    if (source === undefined) {
      problems.push({ severity: 'error', position: locate(['files', i, 'template']), field: `files[${i}].template`, message: `template ${templateFile} does not exist` })
      return
    }
    let tpl: Template[] | undefined
    let condition: Template[] | undefined
    try {
      tpl = parseTemplate(liquid, source, templateFile)
    } catch (err) {
      problems.push(liquidProblem(err, { file: templateFile }))
    }
    if (f.when) {
      try {
        condition = parseTemplate(liquid, `{% if ${f.when} %}1{% endif %}`, `${shown} files[${i}].when`)
      } catch (err) {
        problems.push({ ...liquidProblem(err, { file: shown }), position: locate(['files', i, 'when']), field: `files[${i}].when` })
      }
    }
    if (tpl) files.push({ template: f.template, templateFile, path: f.path, mode: f.mode, reload: f.reload, ...(f.when ? { when: f.when } : {}), parsed: tpl, ...(condition ? { condition } : {}), modePosition: locate(['files', i, 'mode']) })
  })
  if (problems.length) fail()
  return { name, description: spec.description, dir, reloads: spec.reloads, vars: spec.vars, files, liquid }
}

async function listLiquid(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...(await listLiquid(dir, rel)))
    else if (e.isFile() && e.name.endsWith('.liquid')) out.push(rel)
  }
  return out.sort()
}
