import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { InputProblem } from '../cli/errors.js'
import { exportAnsible } from './export-ansible.js'
import { selectStations } from './select.js'
import { loadValidInventory } from './validate.js'

export const EXPORT_FORMATS = ['ansible'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

export interface ExportOptions {
  inventoryDir: string
  format: ExportFormat
  towns?: string[]
  stations?: string[]
  /** Write here instead of returning the text for stdout. */
  out?: string
}

export interface ExportResult {
  format: ExportFormat
  inventory: string
  hosts: number
  groups: string[]
  /** The file written, when `out` was given. */
  out?: string
  /** The exported text, when `out` was not given. */
  text?: string
  warnings: InputProblem[]
}

/**
 * Exports the active stations (filtered by town/station) for another tool.
 * Refuses an inventory with errors (exit 3). Secrets stay references.
 */
export async function exportInventory(opts: ExportOptions): Promise<ExportResult> {
  const { inventory, warnings } = await loadValidInventory(opts.inventoryDir)
  const stations = selectStations(inventory, { towns: opts.towns, stations: opts.stations })
  const exported = exportAnsible(inventory, stations)
  const base = { format: opts.format, inventory: inventory.dir, hosts: exported.hosts, groups: exported.groups, warnings }
  if (!opts.out) return { ...base, text: exported.text }
  await mkdir(path.dirname(path.resolve(opts.out)), { recursive: true })
  await writeFile(opts.out, exported.text, 'utf8')
  return { ...base, out: opts.out }
}
