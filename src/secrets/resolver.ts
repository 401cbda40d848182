import { readFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { homedir } from 'node:os'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { Secret } from './secret.js'

/** One place secret values may come from. Returns undefined when it does not know the ref. */
export interface SecretSource {
  readonly name: string
  lookup(ref: string): Promise<string | undefined>
}

/** `wifi/441802103001/staff` → `LASTMILE_SECRET_WIFI_441802103001_STAFF`. For CI. */
export function envNameForRef(ref: string): string {
  return 'LASTMILE_SECRET_' + ref.toUpperCase().replace(/[^A-Z0-9]+/g, '_')
}

export function envSource(env: NodeJS.ProcessEnv = process.env): SecretSource {
  return { name: 'environment', lookup: async (ref) => env[envNameForRef(ref)] }
}

/**
 * An age-encrypted YAML map `ref: value` (default `<inventory>/secrets.age`),
 * decrypted with the operator's age identity. Interoperates with the `age` CLI.
 */
export function ageFileSource(file: string, identityFile: string): SecretSource {
  let loaded: Promise<Record<string, string> | undefined> | undefined
  const load = async (): Promise<Record<string, string> | undefined> => {
    let cipher: Buffer
    try {
      cipher = await readFile(file)
    } catch {
      return undefined
    }
    let identity: string
    try {
      identity = (await readFile(identityFile, 'utf8'))
        .split('\n')
        .map((l) => l.trim())
        .find((l) => l.startsWith('AGE-SECRET-KEY-')) ?? ''
    } catch {
      throw new Error(`cannot read the age identity ${identityFile} needed to decrypt ${file}; set LASTMILE_AGE_IDENTITY to your key file`)
    }
    // Loaded only when there is a secrets.age to open (50 modules of post-quantum crypto).
    const { Decrypter } = await import('age-encryption')
    const d = new Decrypter()
    d.addIdentity(identity)
    const text = await d.decrypt(new Uint8Array(cipher), 'text')
    const map = parseYaml(text) as unknown
    if (typeof map !== 'object' || map === null) throw new Error(`${file} does not decrypt to a YAML map of secret refs`)
    return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, String(v)]))
  }
  return {
    name: `age file ${file}`,
    lookup: async (ref) => {
      loaded ??= load()
      return (await loaded)?.[ref]
    },
  }
}

/**
 * Lab only: deterministic practice values so the quick start and training
 * need no real secrets. Never used unless `--lab` is given.
 */
export function labSource(seed = 'lastmile-lab'): SecretSource {
  return {
    name: 'lab',
    lookup: async (ref) => {
      const h = createHash('sha256').update(`${seed}:${ref}`).digest()
      if (ref.startsWith('wireguard/')) return h.toString('base64')
      return 'lab-' + h.toString('base64url').slice(0, 20)
    },
  }
}

export function defaultIdentityFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.LASTMILE_AGE_IDENTITY ?? path.join(homedir(), '.config', 'lastmile', 'age-identity.txt')
}

export class SecretResolver {
  constructor(private readonly sources: SecretSource[]) {}

  static forInventory(inventoryDir: string, opts: { lab?: boolean; env?: NodeJS.ProcessEnv } = {}): SecretResolver {
    const env = opts.env ?? process.env
    const sources = [envSource(env), ageFileSource(path.join(inventoryDir, 'secrets.age'), defaultIdentityFile(env))]
    if (opts.lab) sources.push(labSource())
    return new SecretResolver(sources)
  }

  get sourceNames(): string[] {
    return this.sources.map((s) => s.name)
  }

  async resolve(ref: string): Promise<Secret | undefined> {
    for (const s of this.sources) {
      const v = await s.lookup(ref)
      if (v !== undefined) return new Secret(ref, v)
    }
    return undefined
  }
}
