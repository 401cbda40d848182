/**
 * POSIX shell quoting for the arguments of a remote command. SSH has no argv: the server hands
 * one string to the login shell (`sh -c`, busybox ash on a station), so every argument must be
 * quoted to reach the program as exactly one word, whatever it contains.
 *
 * Plain words (letters, digits and `_ - . , : / @ % + =`) are left bare so commands stay
 * readable in logs; everything else is wrapped in single quotes, inside which sh interprets
 * nothing, and each `'` becomes `'\''` (close quote, escaped quote, reopen).
 */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) {
    // A NUL cannot be part of an argument on any Unix; passing it would silently truncate.
    throw new TypeError('a shell argument cannot contain a NUL character')
  }
  if (arg === '') return "''"
  if (/^[A-Za-z0-9_\-.,:/@%+=]+$/.test(arg)) return arg
  return `'${arg.replace(/'/g, `'\\''`)}'`
}

/**
 * The command line sent over SSH: `command` verbatim (it is lastmile's own text and may use
 * shell syntax), then each argument quoted.
 */
export function buildCommand(command: string, args: readonly string[] = []): string {
  return [command, ...args.map(shellQuote)].join(' ')
}

/** Environment variable names safe to put in `NAME=value` before a command. */
export function isEnvName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)
}
