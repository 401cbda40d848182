import { Flags } from '@oclif/core'

/** Flags shared by the commands that read the inventory. */
export const inventoryFlag = Flags.string({
  char: 'i',
  summary: 'Inventory directory (district.yaml, operators.yaml, towns/*.yaml).',
  default: 'inventory/qingcheng',
  env: 'LASTMILE_INVENTORY',
})

export const townFlag = Flags.string({
  char: 't',
  summary: 'Only this town: NBS code, pinyin slug or Chinese name. Repeatable.',
  multiple: true,
})

export const stationFlag = Flags.string({
  char: 's',
  summary: 'Only this station (12-digit NBS code). Repeatable.',
  multiple: true,
})

export const labFlag = Flags.boolean({
  summary: 'Target the built-in lab (simulated stations on loopback) instead of the real stations.',
  default: false,
})
