import { randomBytes } from 'node:crypto'
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'

/**
 * Writes `file` through a temporary file in the same folder and a rename, so a reader (or a crash)
 * sees the old content or the new one, never half of it. The parent folder is created; the file
 * gets exactly `mode` (default 0644; the umask does not narrow it); the temporary file is removed
 * if anything fails.
 */
export async function writeFileAtomic(file: string, data: string | Buffer, opts: { mode?: number; dirMode?: number } = {}): Promise<void> {
  const mode = opts.mode ?? 0o644
  await mkdir(path.dirname(file), { recursive: true, ...(opts.dirMode === undefined ? {} : { mode: opts.dirMode }) })
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    await writeFile(tmp, data, { mode })
    await chmod(tmp, mode)
    await rename(tmp, file)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
}
