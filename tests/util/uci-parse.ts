/**
 * A small strict UCI parser for tests: `config <type> ['<name>']`, then
 * `option <key> '<value>'` and `list <key> '<value>'` lines, `#` comments and
 * blank lines. Values may be single-quoted (no escapes), double-quoted
 * (backslash escapes) or bare words. Anything else is an error naming the
 * line, so a template that produces broken UCI fails the test that parses it.
 */
export interface UciSection {
  type: string
  /** undefined for an anonymous section */
  name: string | undefined
  options: Record<string, string>
  lists: Record<string, string[]>
  line: number
}

export class UciParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`)
  }
}

const IDENT = /^[A-Za-z0-9_]+$/
// A section type may hold '-' (bridge-vlan, wifi-device, wifi-iface).
const TYPE = /^[A-Za-z0-9_-]+$/

export function parseUci(text: string): UciSection[] {
  const sections: UciSection[] = []
  const names = new Set<string>()
  let current: UciSection | undefined
  text.split('\n').forEach((raw, i) => {
    const line = i + 1
    const trimmed = raw.trim()
    if (trimmed === '' || trimmed.startsWith('#')) return
    const words = tokenize(raw, line)
    const [kw, ...rest] = words
    if (kw === 'config') {
      const [type, name, extra] = rest
      if (type === undefined || extra !== undefined) throw new UciParseError('config takes a type and an optional name', line)
      if (!TYPE.test(type)) throw new UciParseError(`bad section type '${type}'`, line)
      if (name !== undefined) {
        if (!IDENT.test(name)) throw new UciParseError(`section name '${name}' is not [a-zA-Z0-9_]`, line)
        if (names.has(name)) throw new UciParseError(`section name '${name}' used twice`, line)
        names.add(name)
      }
      current = { type, name, options: {}, lists: {}, line }
      sections.push(current)
      return
    }
    if (kw === 'option' || kw === 'list') {
      if (!current) throw new UciParseError(`${kw} outside a section`, line)
      const [key, value, extra] = rest
      if (key === undefined || value === undefined || extra !== undefined) throw new UciParseError(`${kw} takes a key and one value`, line)
      if (!IDENT.test(key)) throw new UciParseError(`option name '${key}' is not [a-zA-Z0-9_]`, line)
      if (kw === 'option') {
        if (key in current.options) throw new UciParseError(`option '${key}' set twice`, line)
        if (key in current.lists) throw new UciParseError(`'${key}' is both a list and an option`, line)
        current.options[key] = value
      } else {
        if (key in current.options) throw new UciParseError(`'${key}' is both a list and an option`, line)
        ;(current.lists[key] ??= []).push(value)
      }
      return
    }
    throw new UciParseError(`unexpected '${kw ?? ''}'`, line)
  })
  return sections
}

function tokenize(raw: string, line: number): string[] {
  const out: string[] = []
  let i = 0
  while (i < raw.length) {
    const c = raw[i]!
    if (c === ' ' || c === '\t') {
      i++
      continue
    }
    if (c === '#') break
    if (c === "'") {
      const end = raw.indexOf("'", i + 1)
      if (end < 0) throw new UciParseError('unterminated single quote', line)
      out.push(raw.slice(i + 1, end))
      i = end + 1
    } else if (c === '"') {
      let v = ''
      i++
      for (;;) {
        if (i >= raw.length) throw new UciParseError('unterminated double quote', line)
        const d = raw[i]!
        if (d === '\\' && i + 1 < raw.length) {
          v += raw[i + 1]
          i += 2
        } else if (d === '"') {
          i++
          break
        } else {
          v += d
          i++
        }
      }
      out.push(v)
    } else {
      let j = i
      while (j < raw.length && !' \t\'"'.includes(raw[j]!)) j++
      out.push(raw.slice(i, j))
      i = j
    }
    if (i < raw.length && raw[i] !== ' ' && raw[i] !== '\t') throw new UciParseError('a value must be followed by a space or the end of the line', line)
  }
  return out
}

/** The section of `type` named `name`, or the only anonymous one of that type. */
export function section(sections: UciSection[], type: string, name?: string): UciSection {
  const hits = sections.filter((s) => s.type === type && (name === undefined || s.name === name))
  if (hits.length !== 1) throw new Error(`expected one '${type}'${name ? ` '${name}'` : ''} section, found ${hits.length}`)
  return hits[0]!
}
