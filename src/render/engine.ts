import { Liquid, LiquidError, type Template } from 'liquidjs'
import type { InputProblem } from '../cli/errors.js'
import { scrubText } from '../secrets/redact.js'
import { SecretValue } from './secret-value.js'

/**
 * The template engine: liquidjs, configured so that a template cannot do
 * anything but turn the context into text.
 * - strictVariables / strictFilters: a typo is an error with file:line:col,
 *   never an empty string in a router config;
 * - ownPropertyOnly: no prototype properties (`constructor`, `__proto__`);
 * - `templates`: includes resolve only to the platform's own templates, never
 *   to the file system;
 * - no output escaping: these are config files, not HTML. Values that reach
 *   UCI files go through the `uci` filter, which quotes and validates them.
 */
export function createEngine(templates: Record<string, string>): Liquid {
  const liquid = new Liquid({
    strictVariables: true,
    strictFilters: true,
    ownPropertyOnly: true,
    lenientIf: false,
    jsTruthy: false,
    templates,
  })
  liquid.registerFilter('uci', uciFilter)
  return liquid
}

/** A value that cannot be written into a UCI file as it is. */
export class UciValueError extends Error {
  constructor(
    message: string,
    readonly secretRef?: string,
  ) {
    super(message)
    this.name = 'UciValueError'
  }
}

// C0 controls, DEL and C1 controls: a newline would end the option and start
// a new line of UCI syntax; the others corrupt the file or the terminal.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

/**
 * `{{ value | uci }}` → `'value'`. UCI single quotes cannot escape a quote,
 * so a value holding `'` (or a newline, or a control character) is refused:
 * the renderer must never write a config that parses differently from what
 * the inventory says. Secrets are named by ref, never shown.
 */
export function uciFilter(value: unknown): string {
  let text: string
  let secretRef: string | undefined
  if (value instanceof SecretValue) {
    secretRef = value.ref
    text = value.text()
  } else if (typeof value === 'string') {
    text = value
  } else if (typeof value === 'number' && Number.isFinite(value)) {
    text = String(value)
  } else if (typeof value === 'boolean') {
    text = value ? '1' : '0'
  } else {
    const what = value === null || value === undefined ? 'no value (null)' : Array.isArray(value) ? 'a list (write one `list` line per item)' : `a ${typeof value}`
    throw new UciValueError(`uci: expected a text or number, got ${what}`)
  }
  const bad = text.includes("'") ? 'a single quote (\')' : CONTROL.test(text) ? describeControl(text) : undefined
  if (bad) {
    // scrubText: a secret that reached here as plain text (e.g. after `append`) is still not shown.
    const subject = secretRef ? `secret ${secretRef}` : `value ${JSON.stringify(scrubText(text))}`
    throw new UciValueError(`uci: ${subject} contains ${bad}, which cannot be written inside a single-quoted UCI value`, secretRef)
  }
  return `'${text}'`
}

function describeControl(text: string): string {
  const c = CONTROL.exec(text)?.[0] ?? ''
  if (c === '\n') return 'a newline'
  if (c === '\r') return 'a carriage return'
  if (c === '\t') return 'a tab'
  return `a control character (U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})`
}

export function parseTemplate(liquid: Liquid, source: string, file: string): Template[] {
  return liquid.parse(source, file)
}

/**
 * A liquid error as an InputProblem: the template file, line:col of the tag or
 * output that failed, the station, and for an output the expression as the
 * field (`station.wifi.public.ssid`).
 */
export function liquidProblem(err: unknown, where: { file: string; station?: string }): InputProblem {
  const base = { severity: 'error' as const, ...(where.station ? { station: where.station } : {}) }
  if (!LiquidError.is(err)) {
    return { ...base, position: { file: where.file, line: 1, col: 1 }, message: `template ${where.file}: ${(err as Error)?.message ?? String(err)}` }
  }
  const [line, col] = err.token.getPosition() as [number, number]
  const inner = (err as { originalError?: Error }).originalError
  const raw = inner?.message ?? err.message
  const message = raw.replace(/, (file:.*?, )?line:\d+, col:\d+$/, '')
  const field = expressionOf(err.token.getText())
  return { ...base, position: { file: where.file, line, col }, ...(field ? { field } : {}), message }
}

/** `{{ station.wifi.public.ssid | uci }}` → `station.wifi.public.ssid`; a bare identifier token is itself. */
function expressionOf(tokenText: string): string | undefined {
  const t = tokenText.trim()
  const out = /^\{\{-?\s*([\s\S]*?)\s*-?\}\}$/.exec(t)
  const expr = (out ? out[1]! : t).split('|')[0]!.trim()
  return /^[A-Za-z_][\w.[\]'"-]*$/.test(expr) ? expr : undefined
}
