import { LineCounter, parseDocument, type Document } from 'yaml'

/**
 * How every inventory file is parsed (one place, so the loader and the position index that
 * re-parses a cached file on an error agree): YAML 1.2 core schema, duplicate keys and unknown
 * tags reported, with a line counter for file:line:col.
 */
export function parseInventoryYaml(text: string): { doc: Document; lc: LineCounter } {
  const lc = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, strict: true, customTags: [] })
  return { doc, lc }
}
