import { execa } from 'execa'

export interface ExecResult {
  exitCode: number
  stdout: string
  stderr: string
  /** true when the program could not be started (e.g. not installed: ENOENT) */
  notFound: boolean
  signal?: string
}

export interface ExecOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  input?: string | Buffer
  timeoutMs?: number
}

/**
 * The one way lastmile starts programs. Exit codes are returned, not thrown
 * (stderr output is not failure: many tools warn there and succeed), and a
 * missing program is reported as `notFound` so callers can say how to install it.
 */
export async function run(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const r = await execa(file, args, {
    reject: false,
    cwd: opts.cwd,
    env: opts.env,
    input: opts.input,
    timeout: opts.timeoutMs,
    stripFinalNewline: false,
  })
  const code = (r as { code?: string }).code
  return {
    exitCode: r.exitCode ?? (r.failed ? 127 : 0),
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    notFound: code === 'ENOENT',
    ...(r.signal ? { signal: r.signal } : {}),
  }
}
