/**
 * A strict parser for the Prometheus text exposition format 0.0.4, written
 * from the spec (prometheus.io/docs/instrumenting/exposition_formats), used
 * where no npm parser is installed. It throws on anything the spec does not
 * allow, with the line number:
 *
 *   line        = comment | help | type | sample | ""         (each ends in \n, including the last)
 *   help        = "# HELP " metric_name " " docstring        (docstring escapes: \\ \n)
 *   type        = "# TYPE " metric_name " " ("counter"|"gauge"|"histogram"|"summary"|"untyped")
 *   sample      = metric_name ["{" [label *("," label) [","]] "}"] " " value [" " timestamp]
 *   label       = label_name "=" '"' escaped_value '"'     (escapes: \\ \" \n; no raw newline)
 *   metric_name = [a-zA-Z_:][a-zA-Z0-9_:]*    label_name = [a-zA-Z_][a-zA-Z0-9_]*
 *   value       = Go ParseFloat syntax, NaN, +Inf, -Inf    timestamp = int64 ms
 *
 * plus: HELP and TYPE at most once per family and before its samples; a
 * family's lines are contiguous; no two samples with the same name and labels.
 */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
  timestamp?: number
}

export interface Family {
  name: string
  help?: string
  type?: string
  samples: Sample[]
}

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+)$/
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped'])

export class ExpositionError extends Error {}

function unescape(text: string, allowQuote: boolean, line: number): string {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string
    if (c !== '\\') {
      out += c
      continue
    }
    const n = text[i + 1]
    if (n === '\\') out += '\\'
    else if (n === 'n') out += '\n'
    else if (n === '"' && allowQuote) out += '"'
    else throw new ExpositionError(`line ${line}: invalid escape \\${n ?? ''}`)
    i++
  }
  return out
}

function parseValue(v: string, line: number): number {
  if (v === 'NaN') return NaN
  if (v === '+Inf') return Infinity
  if (v === '-Inf') return -Infinity
  if (!FLOAT.test(v)) throw new ExpositionError(`line ${line}: invalid sample value ${JSON.stringify(v)}`)
  return Number(v)
}

/** Base name of a sample for family grouping (histogram/summary suffixes). */
function familyOf(name: string, types: Map<string, string>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length)
      const t = types.get(base)
      if (t === 'histogram' || t === 'summary') return base
    }
  }
  return name
}

export function parseExposition(text: string): Family[] {
  if (text.length > 0 && !text.endsWith('\n')) throw new ExpositionError('the last line does not end with a line feed')
  const lines = text.split('\n')
  lines.pop()
  const families = new Map<string, Family>()
  const types = new Map<string, string>()
  const closed = new Set<string>()
  const seen = new Set<string>()
  let current: string | undefined
  const enter = (name: string, n: number): Family => {
    if (current !== name) {
      if (closed.has(name)) throw new ExpositionError(`line ${n}: lines of ${name} are not contiguous`)
      if (current !== undefined) closed.add(current)
      current = name
    }
    let f = families.get(name)
    if (!f) {
      f = { name, samples: [] }
      families.set(name, f)
    }
    return f
  }
  lines.forEach((raw, i) => {
    const n = i + 1
    if (raw.includes('\r')) throw new ExpositionError(`line ${n}: carriage return`)
    if (raw.trim() === '') return
    if (raw.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(raw)
      if (!m) return // a plain comment
      const [, kind, name, rest = ''] = m as unknown as [string, string, string, string | undefined]
      if (!METRIC.test(name)) throw new ExpositionError(`line ${n}: invalid metric name ${JSON.stringify(name)}`)
      const f = enter(name, n)
      if (kind === 'HELP') {
        if (f.help !== undefined) throw new ExpositionError(`line ${n}: second HELP for ${name}`)
        f.help = unescape(rest, false, n)
      } else {
        if (f.type !== undefined) throw new ExpositionError(`line ${n}: second TYPE for ${name}`)
        if (f.samples.length > 0) throw new ExpositionError(`line ${n}: TYPE for ${name} after its samples`)
        if (!TYPES.has(rest.trim())) throw new ExpositionError(`line ${n}: unknown type ${JSON.stringify(rest)}`)
        f.type = rest.trim()
        types.set(name, f.type)
      }
      return
    }
    const nm = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(raw)
    if (!nm) throw new ExpositionError(`line ${n}: a sample must start with a metric name: ${JSON.stringify(raw)}`)
    const name = nm[1] as string
    let pos = name.length
    const labels: Record<string, string> = {}
    if (raw[pos] === '{') {
      pos++
      for (let guard = 0; raw[pos] !== '}'; guard++) {
        if (guard > 1000 || pos >= raw.length) throw new ExpositionError(`line ${n}: unterminated label set`)
        const ln = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(raw.slice(pos))
        if (!ln) throw new ExpositionError(`line ${n}: invalid label at column ${pos + 1}: ${JSON.stringify(raw.slice(pos, pos + 20))}`)
        const lname = ln[1] as string
        if (!LABEL.test(lname) || lname.startsWith('__')) throw new ExpositionError(`line ${n}: invalid label name ${lname}`)
        if (lname in labels) throw new ExpositionError(`line ${n}: duplicate label ${lname}`)
        pos += ln[0].length
        let value = ''
        for (;;) {
          const c = raw[pos]
          if (c === undefined) throw new ExpositionError(`line ${n}: unterminated label value`)
          if (c === '"') break
          if (c === '\\') {
            value += c + (raw[pos + 1] ?? '')
            pos += 2
            continue
          }
          value += c
          pos++
        }
        labels[lname] = unescape(value, true, n)
        pos++ // closing quote
        if (raw[pos] === ',') pos++
        else if (raw[pos] !== '}') throw new ExpositionError(`line ${n}: expected , or } after label ${lname}`)
      }
      pos++
    }
    if (raw[pos] !== ' ') throw new ExpositionError(`line ${n}: expected a space before the value`)
    const parts = raw.slice(pos + 1).split(' ')
    if (parts.length < 1 || parts.length > 2 || parts.some((p) => p === '')) throw new ExpositionError(`line ${n}: expected "value [timestamp]" after the labels`)
    const value = parseValue(parts[0] as string, n)
    const sample: Sample = { name, labels, value }
    if (parts[1] !== undefined) {
      if (!/^-?\d+$/.test(parts[1])) throw new ExpositionError(`line ${n}: invalid timestamp`)
      sample.timestamp = Number(parts[1])
    }
    const key = name + JSON.stringify(Object.entries(labels).sort())
    if (seen.has(key)) throw new ExpositionError(`line ${n}: duplicate series ${key}`)
    seen.add(key)
    enter(familyOf(name, types), n).samples.push(sample)
  })
  return [...families.values()]
}
