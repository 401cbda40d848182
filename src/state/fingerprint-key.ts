import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { LastmileError } from '../cli/errors.js'
import { ExitCode } from '../cli/exit-codes.js'
import { statePaths } from './paths.js'
import { readStateFile } from './read-state.js'

/**
 * The local key for secret fingerprints (HMAC-SHA256): 32 random bytes in
 * `<home>/state/fingerprint.key`, mode 0600, created on first use. Applied
 * records store only HMACs under this key, so a record (or a plan) cannot be
 * used to brute-force a short WiFi key the way a plain hash could. Losing the
 * key only makes the next plan show every secret as "changed".
 */
export async function loadFingerprintKey(home: string, opts: { create?: boolean; random?: (n: number) => Buffer } = {}): Promise<Buffer | undefined> {
  const file = statePaths.fingerprintKey(home)
  const existing = await readKey(file)
  if (existing || opts.create === false) return existing
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  const key = (opts.random ?? randomBytes)(32)
  try {
    // 'wx': never overwrite a key another process just created.
    await writeFile(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' })
    return key
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return (await readKey(file))!
    throw err
  }
}

async function readKey(file: string): Promise<Buffer | undefined> {
  const hint = `Delete ${file}; a new key is made on the next plan (every secret then shows as changed once).`
  const text = await readStateFile(file, hint)
  if (text === undefined) return undefined
  const hex = text.trim()
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new LastmileError(`${file} is not a lastmile fingerprint key`, { exitCode: ExitCode.InvalidInput, code: 'invalid-state', hint })
  }
  return Buffer.from(hex, 'hex')
}
