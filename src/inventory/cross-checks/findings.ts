import path from 'node:path'
import type { InputProblem } from '../../cli/errors.js'
import { formatFieldPath } from '../loader.js'
import type { Inventory, Station, Town } from '../model.js'

/** A cross-check problem: an InputProblem plus the id of the rule that found it (see docs/inventory.md). */
export interface CheckProblem extends InputProblem {
  rule: string
}

export type FieldPath = ReadonlyArray<string | number>
type Severity = InputProblem['severity']

/**
 * Collects problems and turns "station X, field Y" into file:line:col, so each
 * rule only says what is wrong and what to do.
 */
export class Findings {
  readonly problems: CheckProblem[] = []
  readonly districtFile: string
  readonly operatorsFile: string

  constructor(readonly inv: Inventory) {
    // The loader reads these two names from the inventory directory (loader.ts).
    this.districtFile = path.join(inv.dir, 'district.yaml')
    this.operatorsFile = path.join(inv.dir, 'operators.yaml')
  }

  station(s: Station, field: FieldPath, severity: Severity, rule: string, message: string): void {
    const full = ['stations', s.source.index, ...field]
    this.problems.push({ severity, rule, message, station: s.id, field: formatFieldPath(full), position: this.inv.positions.locate(s.source.file, full) })
  }

  town(t: Town, field: FieldPath, severity: Severity, rule: string, message: string): void {
    this.problems.push({ severity, rule, message, field: formatFieldPath(field), position: this.inv.positions.locate(t.file, field) })
  }

  district(field: FieldPath, severity: Severity, rule: string, message: string): void {
    const full = ['district', ...field]
    this.problems.push({ severity, rule, message, field: formatFieldPath(full), position: this.inv.positions.locate(this.districtFile, full) })
  }

  operator(index: number, field: FieldPath, severity: Severity, rule: string, message: string): void {
    const full = ['operators', index, ...field]
    this.problems.push({ severity, rule, message, field: formatFieldPath(full), position: this.inv.positions.locate(this.operatorsFile, full) })
  }

  /** `towns/fengcheng.yaml:14` — for messages that point at a second place. */
  where(s: Station, field: FieldPath = []): string {
    return this.at(s.source.file, ['stations', s.source.index, ...field])
  }

  /** `file:line` of a field, the file relative to the inventory directory. */
  at(file: string, field: FieldPath): string {
    const p = this.inv.positions.locate(file, field)
    return `${this.rel(file)}:${p.line}`
  }

  rel(file: string): string {
    const r = path.relative(this.inv.dir, file)
    return r && !r.startsWith('..') ? r : file
  }
}
