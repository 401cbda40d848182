import type { CloudOutputs } from '../cloud/outputs.js'
import type { Inventory } from '../inventory/model.js'
import path from 'node:path'
import { readLabTarget, type LabTarget } from '../lab/target.js'
import type { JournalEvent } from './journal.js'
import type * as LabServiceModule from '../lab/service.js'

type LabService = typeof LabServiceModule

/**
 * The parts of a run other engineers own: the cloud step (may not exist in
 * this checkout yet: looked up by module path and export name, with a plainly
 * named fallback), the lab's start/stop and the HTML report. The rollout never
 * fails because an optional part is missing, and it says so.
 */
export interface CloudStepResult {
  outputs: CloudOutputs
  /** pulumi-up: the stack was updated; rendered: objects written as YAML; inventory: addresses from district.yaml */
  mode: string
  notice: string
}

export type CloudStep = (opts: { inventory: Inventory; env: NodeJS.ProcessEnv; lab: boolean; home: string; command?: 'rollout' | 'push'; stack?: string; yes?: boolean }) => Promise<CloudStepResult>

/**
 * The cloud step before a rollout (src/cloud/cloud-step.ts): `infra up` of the
 * stack when the Pulumi CLI is installed, else the objects rendered to YAML
 * with a notice. The lab never touches a cluster: it renders only. `push` is
 * configs only: it renders with the stack's current outputs and changes nothing.
 */
export async function defaultCloudStep(): Promise<CloudStep> {
  return async (o) => {
    const stack = o.stack ?? (o.lab ? 'lab' : 'prod')
    if (o.command !== 'rollout') {
      // push: configs only; render with the cloud values the last rollout used, change nothing in the cloud.
      const { stationCloudOutputs } = await import('../cloud/station-outputs.js')
      const r = await stationCloudOutputs({ inventory: o.inventory, stack, lab: o.lab, env: o.env })
      return { outputs: r.outputs, mode: 'outputs', notice: r.notice ?? '' }
    }
    const outDir = path.join(o.home, 'cloud', stack)
    if (o.lab) {
      const { infraRender } = await import('../cloud/infra-render.js')
      const r = await infraRender({ stack, inventory: o.inventory, env: o.env, out: outDir })
      return { outputs: r.outputs, mode: 'rendered', notice: `lab: the cloud side is not provisioned; its ${r.objects} Kubernetes objects ${r.unchanged ? 'in' : 'were rendered to'} ${r.out} for review${r.unchanged ? ' are up to date' : ''}` }
    }
    const { cloudStep } = await import('../cloud/cloud-step.js')
    const r = await cloudStep({ stack, inventory: o.inventory, yes: o.yes ?? false, env: o.env, outDir })
    const changes = r.changes ? Object.entries(r.changes).map(([op, n]) => `${op} ${n}`).join(', ') : ''
    return { outputs: r.outputs, mode: r.mode, notice: r.notice ?? `cloud: stack ${stack} is up to date${changes ? ` (${changes})` : ''}` }
  }
}

export interface LabControl {
  /** Starts a lab for this inventory; resolves when its stations listen. */
  start(opts: { inventoryDir: string; home: string; env: NodeJS.ProcessEnv }): Promise<LabTarget>
  stop(opts: { home: string; env: NodeJS.ProcessEnv }): Promise<void>
}

/**
 * The lab engineer's startLab/stopLab (src/lab/service.ts), imported only when a lab is started
 * or stopped: a run against a lab that is already up never needs them.
 */
export async function defaultLabControl(): Promise<LabControl> {
  const lab = (): Promise<LabService> => import('../lab/service.js')
  return {
    start: async (o) => {
      await (await lab()).startLab({ home: o.home, inventoryDir: o.inventoryDir, env: o.env })
      return readLabTarget(o.home)
    },
    stop: async (o) => {
      await (await lab()).stopLab({ home: o.home })
    },
  }
}

export type ReportWriter = (opts: { home: string; runId: string; inventory: Inventory; events: JournalEvent[]; env: NodeJS.ProcessEnv }) => Promise<string | undefined>

/** The report engineer's writeHtmlReport (src/report/write.ts): `<home>/reports/<run-id>.html`. */
export async function defaultReportWriter(): Promise<ReportWriter> {
  const { writeHtmlReport } = await import('../report/write.js')
  return (o) => writeHtmlReport({ inventory: o.inventory, runId: o.runId, journalEvents: o.events, out: path.join(o.home, 'reports', `${o.runId}.html`), home: o.home })
}
