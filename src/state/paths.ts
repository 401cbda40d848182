import path from 'node:path'

/**
 * Where lastmile keeps its local state (journals, applied records, lab, health
 * history): `.lastmile/` in the working directory, or $LASTMILE_HOME.
 */
export function lastmileHome(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  return path.resolve(cwd, env.LASTMILE_HOME ?? '.lastmile')
}

export const statePaths = {
  runs: (home: string) => path.join(home, 'runs'),
  applied: (home: string) => path.join(home, 'state', 'applied'),
  fingerprintKey: (home: string) => path.join(home, 'state', 'fingerprint.key'),
  lab: (home: string) => path.join(home, 'lab'),
  health: (home: string) => path.join(home, 'health'),
  cloud: (home: string) => path.join(home, 'cloud'),
  pulumi: (home: string) => path.join(home, 'pulumi'),
  locks: (home: string) => path.join(home, 'locks'),
  /** Derived data that can be deleted at any time (parsed inventory files). */
  cache: (home: string) => path.join(home, 'cache'),
}
