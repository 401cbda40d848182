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
 * Pure: -1, 0 or 1 as dotted numeric versions compare (`1.10.0` > `1.9.2`). Non-numeric parts
 * compare as text, so `1.0.0-rc1` and `1.0.0` differ (and an unknown format is never "equal").
 */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/)
  const pb = b.split(/[.+-]/)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i]
    const y = pb[i]
    if (x === undefined) return -1
    if (y === undefined) return 1
    const nx = /^\d+$/.test(x) ? Number(x) : NaN
    const ny = /^\d+$/.test(y) ? Number(y) : NaN
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) {
      if (nx !== ny) return nx < ny ? -1 : 1
    } else if (x !== y) {
      return x < y ? -1 : 1
    }
  }
  return 0
}
