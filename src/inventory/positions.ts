import type { Document, LineCounter } from 'yaml'
import { isNode, isPair, isScalar } from 'yaml'
import type { SourcePosition } from '../cli/errors.js'
import { parseInventoryYaml } from './yaml-text.js'

type Path = ReadonlyArray<PropertyKey>

/**
 * Maps a field path in a loaded YAML file back to `file:line:col`, so every
 * error names the place to fix. Falls back to the nearest existing parent
 * (a missing field is reported where its object starts).
 */
export class PositionIndex {
  private readonly files = new Map<string, { doc: Document; lc: LineCounter } | { text: string }>()

  add(file: string, doc: Document, lc: LineCounter): void {
    this.files.set(file, { doc, lc })
  }

  /** A file whose data came from the parse cache: parsed again only when a position is asked for. */
  addText(file: string, text: string): void {
    this.files.set(file, { text })
  }

  /** The parsed document of a loaded file. */
  document(file: string): Document | undefined {
    return this.entry(file)?.doc
  }

  private entry(file: string): { doc: Document; lc: LineCounter } | undefined {
    const e = this.files.get(file)
    if (!e || !('text' in e)) return e
    const parsed = parseInventoryYaml(e.text)
    this.files.set(file, parsed)
    return parsed
  }

  locate(file: string, path: Path): SourcePosition {
    const entry = this.entry(file)
    if (!entry) return { file, line: 1, col: 1 }
    for (let n = path.length; n >= 0; n--) {
      const node = entry.doc.getIn(path.slice(0, n) as unknown[], true)
      const offset = isNode(node) ? node.range?.[0] : isPair(node) && isScalar(node.key) ? node.key.range?.[0] : undefined
      if (offset !== undefined) {
        const { line, col } = entry.lc.linePos(offset)
        return { file, line, col }
      }
    }
    return { file, line: 1, col: 1 }
  }

  /** Position of a mapping key itself (better than its value for "unknown key"). */
  locateKey(file: string, parent: Path, key: string): SourcePosition {
    const entry = this.entry(file)
    if (!entry) return { file, line: 1, col: 1 }
    const map = entry.doc.getIn(parent as unknown[], true) as { items?: unknown[] } | undefined
    for (const item of map?.items ?? []) {
      if (isPair(item) && isScalar(item.key) && item.key.value === key && item.key.range) {
        const { line, col } = entry.lc.linePos(item.key.range[0])
        return { file, line, col }
      }
    }
    return this.locate(file, parent)
  }
}
