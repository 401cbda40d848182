import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { LastmileError } from '../cli/errors.js'
import { ExitCode } from '../cli/exit-codes.js'
import type { RenderedStation } from '../render/station.js'
import { statePaths } from './paths.js'
import { readStateFile } from './read-state.js'

/**
 * What was last applied to a station, as this machine knows it:
 * `<home>/state/applied/<station-id>.json`. `plan` diffs against it; the
 * rollout writes it after the station confirms. It holds no secret values:
 * file hashes, the masked contents (`‹secret:<ref>›`), and HMAC fingerprints
 * of the secrets under the local key (state/fingerprint.key).
 */
export interface AppliedRecord {
  stationId: string
  configId: string
  /** ISO 8601 */
  appliedAt: string
  files: AppliedFile[]
  /** path → content with every secret as `‹secret:<ref>›` */
  maskedFiles: Record<string, string>
  /** ref → HMAC-SHA256 (hex) of the value under the local fingerprint key */
  secretFingerprints: Record<string, string>
}

export interface AppliedFile {
  path: string
  mode: string
  sha256: string
  size: number
}

const recordSchema = z.strictObject({
  stationId: z.string().regex(/^\d{12}$/),
  configId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  appliedAt: z.string().min(1),
  files: z.array(z.strictObject({ path: z.string().startsWith('/'), mode: z.string().regex(/^0?[0-7]{3}$/), sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.int().min(0) })),
  maskedFiles: z.record(z.string(), z.string()),
  secretFingerprints: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
})

function recordPath(home: string, stationId: string): string {
  // The id becomes a file name: only a 12-digit NBS code is accepted.
  if (!/^\d{12}$/.test(stationId)) throw new LastmileError(`'${stationId}' is not a station id`, { exitCode: ExitCode.Usage, code: 'usage', hint: 'A station id is its 12-digit NBS code.' })
  return path.join(statePaths.applied(home), `${stationId}.json`)
}

/**
 * The last applied record of a station, or undefined when there is none.
 * @param home the lastmile home (`lastmileHome(env)`, e.g. `.lastmile`), not the applied/ folder
 * @throws LastmileError (exit 3) when the file exists but is not a valid record
 */
export async function readApplied(home: string, stationId: string): Promise<AppliedRecord | undefined> {
  const file = recordPath(home, stationId)
  const hint = `Move ${file} away; the station then plans as new, and the next rollout records it again.`
  const text = await readStateFile(file, hint)
  if (text === undefined) return undefined
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    data = undefined
  }
  const parsed = recordSchema.safeParse(data)
  if (!parsed.success || parsed.data.stationId !== stationId) {
    throw new LastmileError(`${file} is not a valid applied record${parsed.success ? ` (it is for station ${parsed.data.stationId})` : ''}`, {
      exitCode: ExitCode.InvalidInput,
      code: 'invalid-state',
      hint,
    })
  }
  return parsed.data
}

/**
 * Writes the record atomically: a temporary file in the same folder, fsync,
 * rename over the old one, fsync the folder. A crash leaves the old record or
 * the new one, never half of one. Mode 0600.
 * @param home the lastmile home (`lastmileHome(env)`)
 * @returns the path written
 */
export async function writeApplied(home: string, record: AppliedRecord): Promise<string> {
  const file = recordPath(home, record.stationId)
  const checked = recordSchema.parse(record)
  const text = JSON.stringify(checked, null, 2) + '\n'
  const dir = path.dirname(file)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const tmp = path.join(dir, `.${record.stationId}.json.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    const fh = await open(tmp, 'wx', 0o600)
    try {
      await fh.writeFile(text)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, file)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  const dh = await open(dir, 'r')
  try {
    await dh.sync()
  } finally {
    await dh.close()
  }
  return file
}

/**
 * The record for a station that has just confirmed `rendered`. The render
 * must have been made with `{masked: true, fingerprintKey}` (the rollout's
 * render for the push).
 */
export function appliedRecordFrom(rendered: RenderedStation, appliedAt: Date | string): AppliedRecord {
  if (!rendered.secretFingerprints || rendered.files.some((f) => f.maskedContent === undefined)) {
    throw new Error('bug: appliedRecordFrom needs a render made with {masked: true, fingerprintKey}')
  }
  return {
    stationId: rendered.stationId,
    configId: rendered.configId,
    appliedAt: typeof appliedAt === 'string' ? appliedAt : appliedAt.toISOString(),
    files: rendered.files.map((f) => ({ path: f.path, mode: f.mode, sha256: f.sha256, size: f.size })),
    maskedFiles: Object.fromEntries(rendered.files.map((f) => [f.path, f.maskedContent!])),
    secretFingerprints: { ...rendered.secretFingerprints },
  }
}
