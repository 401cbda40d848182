import { mkdir } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { LocalWorkspace, PulumiCommand, type EngineEvent, type OpMap, type OutputMap, type Stack } from '@pulumi/pulumi/automation/index.js'
import { SECRET_MASK } from '../../secrets/secret.js'
import { stackDir } from '../paths.js'
import type { PulumiLocation } from './cli.js'
import { mapPulumiError, type PulumiErrorContext } from './errors.js'

export type InfraOperation = 'preview' | 'up' | 'refresh' | 'destroy'

export interface BackendEnv {
  /** Variables every Pulumi command gets (backend, inventory, no update check). */
  envVars: Record<string, string>
  backend: string
  fileBackend: boolean
}

/** Hides credentials in a backend URL (`s3://key:secret@…`) before it is printed. */
export function displayBackend(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//‹credentials›@')
}

/**
 * The environment of the Pulumi commands: the user's PULUMI_BACKEND_URL, or a
 * local file backend under `.lastmile/pulumi` (created), so `infra` works
 * without a Pulumi Cloud login; the inventory the program must read.
 */
export async function backendEnv(env: NodeJS.ProcessEnv, pulumiHome: string, inventoryDir: string): Promise<BackendEnv> {
  let backend = env.PULUMI_BACKEND_URL
  if (!backend) {
    await mkdir(pulumiHome, { recursive: true })
    backend = pathToFileURL(pulumiHome).href
  }
  const envVars: Record<string, string> = { PULUMI_BACKEND_URL: backend, LASTMILE_INVENTORY: inventoryDir, PULUMI_SKIP_UPDATE_CHECK: 'true' }
  for (const key of ['PULUMI_CONFIG_PASSPHRASE', 'PULUMI_CONFIG_PASSPHRASE_FILE', 'PULUMI_ACCESS_TOKEN', 'KUBECONFIG', 'HOME', 'PATH'] as const) {
    const v = env[key]
    if (v !== undefined) envVars[key] = v
  }
  return { envVars, backend, fileBackend: backend.startsWith('file://') }
}

export interface OpenStackOptions {
  stack: string
  root: string
  location: PulumiLocation
  skipVersionCheck: boolean
  backend: BackendEnv
  /** createOrSelect for preview/up; select for the rest (they need an existing stack). */
  create: boolean
}

/** The local program in stacks/district, through the CLI that was located. */
export async function openStack(o: OpenStackOptions): Promise<Stack> {
  const ctx: PulumiErrorContext = { stack: o.stack, operation: 'stack select', backend: displayBackend(o.backend.backend) }
  try {
    const pulumiCommand = await PulumiCommand.get({ ...(o.location.root ? { root: o.location.root } : {}), skipVersionCheck: o.skipVersionCheck })
    const args = { stackName: o.stack, workDir: stackDir(o.root) }
    const wsOpts = { pulumiCommand, envVars: o.backend.envVars }
    return o.create ? await LocalWorkspace.createOrSelectStack(args, wsOpts) : await LocalWorkspace.selectStack(args, wsOpts)
  } catch (err) {
    throw mapPulumiError(err, ctx)
  }
}

export interface OperationResult {
  changes: Record<string, number>
  outputs?: Record<string, unknown>
}

export interface OperationHooks {
  /** Pulumi's own progress text, as it prints it. */
  onOutput?: (text: string) => void
  onEvent?: (event: EngineEvent) => void
}

function changesOf(map: OpMap | undefined): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [op, n] of Object.entries(map ?? {})) if (typeof n === 'number' && n > 0) out[op] = n
  return out
}

/** Stack outputs as plain values, secret ones masked. */
export function plainOutputs(outputs: OutputMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.secret ? SECRET_MASK : v.value]))
}

/** Runs one operation; every Pulumi error leaves through mapPulumiError. */
export async function runOperation(stack: Stack, op: InfraOperation | 'destroy-preview', hooks: OperationHooks, backend: string): Promise<OperationResult> {
  const ctx: PulumiErrorContext = { stack: stack.name, operation: op === 'destroy-preview' ? 'destroy' : op, backend: displayBackend(backend) }
  const opts = { ...(hooks.onOutput ? { onOutput: hooks.onOutput } : {}), ...(hooks.onEvent ? { onEvent: hooks.onEvent } : {}) }
  try {
    switch (op) {
      case 'preview':
        return { changes: changesOf((await stack.preview(opts)).changeSummary) }
      case 'up': {
        const r = await stack.up(opts)
        return { changes: changesOf(r.summary?.resourceChanges), outputs: plainOutputs(r.outputs) }
      }
      case 'refresh':
        return { changes: changesOf((await stack.refresh(opts)).summary?.resourceChanges) }
      case 'destroy':
        return { changes: changesOf((await stack.destroy(opts)).summary?.resourceChanges) }
      case 'destroy-preview':
        return { changes: changesOf((await stack.destroy({ ...opts, previewOnly: true })).summary?.resourceChanges) }
    }
  } catch (err) {
    throw mapPulumiError(err, ctx)
  }
}

export async function stackOutputs(stack: Stack, backend: string): Promise<Record<string, unknown>> {
  try {
    return plainOutputs(await stack.outputs())
  } catch (err) {
    throw mapPulumiError(err, { stack: stack.name, operation: 'stack output', backend: displayBackend(backend) })
  }
}
