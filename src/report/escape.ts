import { scrubText } from '../secrets/redact.js'

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text into HTML element content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string)
}

/**
 * Every string that reaches the report goes through here: known secret values
 * are masked first (defence in depth: the journal has none), then it is
 * HTML-escaped. Control characters other than tab and newline are dropped.
 */
export function h(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return ''
  return escapeHtml(scrubText(String(value)).replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ''))
}
