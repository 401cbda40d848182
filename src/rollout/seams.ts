import type { CloudOutputs } from '../cloud/outputs.js'
import { outputsFromInventory } from '../cloud/outputs.js'
import type { Inventory } from '../inventory/model.js'
import path from 'node:path'
import { readLabTarget, type LabTarget } from '../lab/target.js'
import type { JournalEvent } from './journal.js'

/**
 * The parts of a run other engineers own: the cloud step (may not exist in
 * this checkout yet: looked up by module path and export name, with a plainly
 * named fallback), the lab's start/stop and the HTML report. The rollout never
 * fails because an optional part is missing, and it says so.
 */
async function optionalExport<T>(relModule: string, name: string): Promise<T | undefined> {
  // A computed specifier: the module may not exist in this checkout (and TypeScript must not insist).
  const url = new URL(relModule, import.meta.url)
  const candidates = [url.href, url.href.replace(/\.js$/, '.ts')]
  for (const spec of candidates) {
    try {
      const mod = (await import(spec)) as Record<string, unknown>
      const fn = mod[name]
      if (typeof fn === 'function') return fn as T
      return undefined
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'ERR_UNKNOWN_FILE_EXTENSION' && !/Cannot find module|Failed to load url|does not exist/i.test(String((err as Error).message))) throw err
    }
  }
  return undefined
}

export interface CloudStepResult {
  outputs: CloudOutputs
  mode: string
  notice: string
}

export type CloudStep = (opts: { inventory: Inventory; env: NodeJS.ProcessEnv; lab: boolean; home: string }) => Promise<CloudStepResult>

/** `cloudStep` from src/cloud/step.ts when it exists; else the inventory's values and a notice. */
export async function defaultCloudStep(): Promise<CloudStep> {
  const fn = await optionalExport<CloudStep>('../cloud/step.js', 'cloudStep')
  if (fn) return fn
  return async ({ inventory }) => ({
    outputs: outputsFromInventory(inventory),
    mode: 'skipped',
    notice: 'cloud step skipped: no cloud step in this build; hub, portal and monitoring addresses come from district.yaml',
  })
}

export interface LabControl {
  /** Starts a lab for this inventory; resolves when its stations listen. */
  start(opts: { inventoryDir: string; home: string; env: NodeJS.ProcessEnv }): Promise<LabTarget>
  stop(opts: { home: string; env: NodeJS.ProcessEnv }): Promise<void>
}

/** The lab engineer's startLab/stopLab (src/lab/service.ts). */
export async function defaultLabControl(): Promise<LabControl> {
  const { startLab, stopLab } = await import('../lab/service.js')
  return {
    start: async (o) => {
      await startLab({ home: o.home, inventoryDir: o.inventoryDir, env: o.env })
      return readLabTarget(o.home)
    },
    stop: async (o) => {
      await stopLab({ home: o.home })
    },
  }
}

export type ReportWriter = (opts: { home: string; runId: string; inventory: Inventory; events: JournalEvent[]; env: NodeJS.ProcessEnv }) => Promise<string | undefined>

/** The report engineer's writeHtmlReport (src/report/write.ts): `<home>/reports/<run-id>.html`. */
export async function defaultReportWriter(): Promise<ReportWriter> {
  const { writeHtmlReport } = await import('../report/write.js')
  return (o) => writeHtmlReport({ inventory: o.inventory, runId: o.runId, journalEvents: o.events, out: path.join(o.home, 'reports', `${o.runId}.html`), home: o.home })
}
