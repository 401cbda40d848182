import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The agent lastmile installs on stations, as shipped in the package's `station/` folder. */
export interface AgentBundle {
  /** the `lastmile-station` script */
  script: Buffer
  /** its AGENT_VERSION */
  version: string
  /** its PROTOCOL */
  protocol: number
  /** `station/init.d-lastmile`, the boot hook, when the package has it */
  initScript?: Buffer
  /** the hook's START (rc.d order), default 11 */
  initStart?: number
}

/** `station/` of the package: two levels up from both src/station/ and dist/station/. */
export function packagedStationDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'station')
}

/** Reads the agent and its boot hook; the version comes from the script's `AGENT_VERSION=` line. */
export async function loadAgentBundle(dir: string = packagedStationDir()): Promise<AgentBundle> {
  const script = await readFile(path.join(dir, 'lastmile-station'))
  const meta = agentMetadata(script.toString('utf8'))
  let initScript: Buffer | undefined
  try {
    initScript = await readFile(path.join(dir, 'init.d-lastmile'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const start = initScript ? /^START=(\d{1,2})\s*$/m.exec(initScript.toString('utf8'))?.[1] : undefined
  return { script, ...meta, ...(initScript ? { initScript, initStart: start ? Number(start) : 11 } : {}) }
}

/** Pure: AGENT_VERSION and PROTOCOL of an agent script. */
export function agentMetadata(text: string): { version: string; protocol: number } {
  const version = /^AGENT_VERSION=['"]?([0-9][0-9A-Za-z.+-]*)['"]?\s*$/m.exec(text)?.[1]
  const protocol = /^PROTOCOL=['"]?(\d+)['"]?\s*$/m.exec(text)?.[1]
  if (!version || !protocol) throw new Error('the station agent script has no AGENT_VERSION=… or PROTOCOL=… line')
  return { version, protocol: Number(protocol) }
}

/**
 * Pure: -1, 0 or 1 as versions compare, semver-style: the dotted release numbers numerically
 * (`1.10.0` > `1.9.2`, missing parts are 0), then a pre-release (`-rc1`) ranks below its release,
 * pre-release identifiers compare numerically when both are numbers, numbers below text, and
 * more identifiers rank higher; build metadata (`+…`) is ignored. A release part that is not a
 * number compares as text, so an unknown format is never "equal" to a known one.
 */
export function compareVersions(a: string, b: string): number {
  const va = splitVersion(a)
  const vb = splitVersion(b)
  for (let i = 0; i < Math.max(va.release.length, vb.release.length); i++) {
    const c = compareIdentifiers(va.release[i] ?? '0', vb.release[i] ?? '0')
    if (c !== 0) return c
  }
  // A release ranks above any of its pre-releases.
  if (va.pre.length === 0 || vb.pre.length === 0) return va.pre.length === vb.pre.length ? 0 : va.pre.length === 0 ? 1 : -1
  for (let i = 0; i < Math.max(va.pre.length, vb.pre.length); i++) {
    const x = va.pre[i]
    const y = vb.pre[i]
    if (x === undefined) return -1
    if (y === undefined) return 1
    const c = compareIdentifiers(x, y)
    if (c !== 0) return c
  }
  return 0
}

function splitVersion(v: string): { release: string[]; pre: string[] } {
  const core = v.split('+', 1)[0] ?? ''
  const dash = core.indexOf('-')
  const release = (dash === -1 ? core : core.slice(0, dash)).split('.')
  const pre = dash === -1 ? [] : core.slice(dash + 1).split('.')
  return { release, pre }
}

/** Numbers numerically, numbers below text, text as ASCII. */
function compareIdentifiers(x: string, y: string): number {
  const nx = /^\d+$/.test(x)
  const ny = /^\d+$/.test(y)
  if (nx && ny) return Math.sign(Number(x) - Number(y))
  if (nx !== ny) return nx ? -1 : 1
  return x === y ? 0 : x < y ? -1 : 1
}
