import type { DeviceType } from '../inventory/schema.js'
import type { Bilingual } from './lang.js'

/**
 * Device type names as the station staff say them (the programme's own list),
 * with the English a district engineer searches for.
 */
export const deviceTypeNames: Record<DeviceType, Bilingual> = {
  computer: { zh: '电脑', en: 'computer' },
  tv: { zh: '电视', en: 'TV' },
  'e-seal': { zh: '电子公章', en: 'electronic seal' },
  'signature-pad': { zh: '手写数字签名板', en: 'signature pad' },
  'fingerprint-reader': { zh: '指纹识别仪', en: 'fingerprint reader' },
  'document-camera': { zh: '高拍仪', en: 'document camera' },
  'handheld-scanner': { zh: '手持式扫描仪', en: 'handheld scanner' },
  camera: { zh: '摄像头', en: 'camera' },
  fax: { zh: '传真机', en: 'fax machine' },
  copier: { zh: '复印机', en: 'copier' },
  printer: { zh: '打印机', en: 'printer' },
  'set-top-box': { zh: '机顶盒', en: 'set-top box' },
}

export type WanLink = 'fibre' | 'adsl' | '4g'

export const wanLinkNames: Record<WanLink, Bilingual> = {
  fibre: { zh: '光纤', en: 'fibre' },
  adsl: { zh: 'ADSL', en: 'ADSL' },
  '4g': { zh: '4G', en: '4G' },
}

export const stateNames = {
  ok: { zh: '正常', en: 'ok' },
  warning: { zh: '警告', en: 'warning' },
  critical: { zh: '严重', en: 'critical' },
  unknown: { zh: '未知', en: 'unknown' },
} as const satisfies Record<string, Bilingual>
