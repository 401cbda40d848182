import stringWidth from 'string-width'

/**
 * A plain text table whose columns line up with Chinese names: CJK characters
 * take two terminal cells, so padding is by display width, not by `.length`.
 */
export function formatTable(headers: string[], rows: Array<Array<string | number>>, opts: { align?: Array<'left' | 'right'> } = {}): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => String(c)))]
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => stringWidth(r[i] ?? ''))))
  const pad = (text: string, i: number): string => {
    const gap = ' '.repeat(Math.max(0, (widths[i] ?? 0) - stringWidth(text)))
    return opts.align?.[i] === 'right' ? gap + text : text + gap
  }
  const line = (r: string[]): string => r.map((c, i) => pad(c, i)).join('  ').trimEnd()
  const rule = widths.map((w) => '─'.repeat(w)).join('  ')
  return [line(cells[0] ?? []), rule, ...cells.slice(1).map(line)].join('\n')
}

export { stringWidth }
