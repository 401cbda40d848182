import type { CheckState } from '../health/types.js'
import type { Bilingual } from '../i18n/lang.js'
import type { RunState } from './model.js'

export const runStateOrder: RunState[] = ['confirmed', 'unchanged', 'rolled-back', 'failed', 'unreachable', 'skipped', 'in-progress', 'not-in-run']

export const runStateNames: Record<RunState, Bilingual> = {
  confirmed: { zh: '已确认', en: 'confirmed' },
  unchanged: { zh: '无变化', en: 'unchanged' },
  'rolled-back': { zh: '已回滚', en: 'rolled back' },
  failed: { zh: '失败', en: 'failed' },
  unreachable: { zh: '无法连接', en: 'unreachable' },
  skipped: { zh: '已跳过', en: 'skipped' },
  'in-progress': { zh: '进行中', en: 'in progress' },
  'not-in-run': { zh: '未参与', en: 'not in this run' },
}

/** Colours are chosen here only, never taken from data. */
export const runStateColour: Record<RunState, string> = {
  confirmed: '#2f9e5b',
  unchanged: '#7cc197',
  'rolled-back': '#e39a2d',
  failed: '#d64545',
  unreachable: '#7b68b5',
  skipped: '#a7adb5',
  'in-progress': '#4f86e8',
  'not-in-run': '#e3e7ec',
}

export const healthStateOrder: CheckState[] = ['ok', 'warning', 'critical', 'unknown']

export const healthStateColour: Record<CheckState, string> = {
  ok: '#2f9e5b',
  warning: '#e39a2d',
  critical: '#d64545',
  unknown: '#98a1ac',
}

export const runStatusNames: Record<string, Bilingual> = {
  ok: { zh: '完成', en: 'completed' },
  partial: { zh: '部分失败', en: 'partial failure' },
  aborted: { zh: '已中止', en: 'aborted' },
  interrupted: { zh: '被中断', en: 'interrupted' },
  running: { zh: '进行中或未正常结束', en: 'running or did not finish' },
}

export const runStatusColour: Record<string, string> = {
  ok: '#2f9e5b',
  partial: '#e39a2d',
  aborted: '#d64545',
  interrupted: '#7b68b5',
  running: '#4f86e8',
}
