/**
 * A compact line diff (Myers' O(ND) algorithm) and GNU-style unified output,
 * for plans. Inputs are small config files; the worst case (a file rewritten
 * completely) is a few thousand steps.
 */

export interface DiffOp {
  op: ' ' | '-' | '+'
  line: string
}

export function splitLines(text: string): string[] {
  if (text === '') return []
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** The shortest edit script from `a` to `b`, as kept/removed/added lines in order. */
export function diffLines(a: readonly string[], b: readonly string[]): DiffOp[] {
  const n = a.length
  const m = b.length
  if (n === 0) return b.map((line) => ({ op: '+', line }))
  if (m === 0) return a.map((line) => ({ op: '-', line }))
  const max = n + m
  const off = max + 1
  const v = new Int32Array(2 * max + 3)
  const trace: Int32Array[] = []
  let found = false
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice())
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[k - 1 + off]! < v[k + 1 + off]!) ? v[k + 1 + off]! : v[k - 1 + off]! + 1
      let y = x - k
      while (x < n && y < m && a[x] === b[y]) {
        x++
        y++
      }
      v[k + off] = x
      if (x >= n && y >= m) {
        found = true
        break
      }
    }
  }
  // Walk back through the trace from (n, m) to (0, 0).
  const ops: DiffOp[] = []
  let x = n
  let y = m
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]!
    const k = x - y
    const prevK = k === -d || (k !== d && vd[k - 1 + off]! < vd[k + 1 + off]!) ? k + 1 : k - 1
    const prevX = vd[prevK + off]!
    const prevY = prevX - prevK
    while (x > prevX && y > prevY) {
      ops.push({ op: ' ', line: a[x - 1]! })
      x--
      y--
    }
    if (d > 0) {
      if (x === prevX) ops.push({ op: '+', line: b[y - 1]! })
      else ops.push({ op: '-', line: a[x - 1]! })
    }
    x = prevX
    y = prevY
  }
  return ops.reverse()
}

export interface UnifiedDiffOptions {
  oldLabel: string
  newLabel: string
  /** lines of context around each change (default 3) */
  context?: number
}

/** `diff -u` output, or '' when the texts are equal. */
export function unifiedDiff(oldText: string, newText: string, opts: UnifiedDiffOptions): string {
  if (oldText === newText) return ''
  const ctx = opts.context ?? 3
  const ops = diffLines(splitLines(oldText), splitLines(newText))
  // Position of each op in the old and new file (lines before it).
  const at: Array<{ o: number; n: number }> = []
  let o = 0
  let nn = 0
  for (const op of ops) {
    at.push({ o, n: nn })
    if (op.op !== '+') o++
    if (op.op !== '-') nn++
  }
  const changed = ops.map((op, i) => (op.op === ' ' ? -1 : i)).filter((i) => i >= 0)
  if (changed.length === 0) return ''
  const hunks: Array<[number, number]> = []
  for (const i of changed) {
    const start = Math.max(0, i - ctx)
    const end = Math.min(ops.length - 1, i + ctx)
    const last = hunks[hunks.length - 1]
    if (last && start <= last[1] + 1) last[1] = Math.max(last[1], end)
    else hunks.push([start, end])
  }
  const out = [`--- ${opts.oldLabel}`, `+++ ${opts.newLabel}`]
  for (const [s, e] of hunks) {
    const slice = ops.slice(s, e + 1)
    const oldCount = slice.filter((x) => x.op !== '+').length
    const newCount = slice.filter((x) => x.op !== '-').length
    const range = (start: number, count: number): string => (count === 1 ? `${start + 1}` : `${count === 0 ? start : start + 1},${count}`)
    out.push(`@@ -${range(at[s]!.o, oldCount)} +${range(at[s]!.n, newCount)} @@`)
    for (const x of slice) out.push(x.op + x.line)
  }
  return out.join('\n') + '\n'
}
