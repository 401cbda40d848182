import { describe, expect, it } from 'vitest'
import { diffLines, splitLines, unifiedDiff } from '../../src/plan/diff.js'

function apply(a: string[], ops: ReturnType<typeof diffLines>): string[] {
  const out: string[] = []
  let i = 0
  for (const op of ops) {
    if (op.op === ' ') {
      expect(op.line).toBe(a[i])
      out.push(op.line)
      i++
    } else if (op.op === '-') {
      expect(op.line).toBe(a[i])
      i++
    } else out.push(op.line)
  }
  expect(i).toBe(a.length)
  return out
}

describe('line diff', () => {
  it('turns a into b with a shortest script', () => {
    const a = 'a b c a b b a'.split(' ')
    const b = 'c b a b a c'.split(' ')
    const ops = diffLines(a, b)
    expect(apply(a, ops)).toEqual(b)
    expect(ops.filter((o) => o.op !== ' ')).toHaveLength(5) // Myers' example: D = 5
  })

  it('handles empty sides and equal inputs', () => {
    expect(diffLines([], ['x'])).toEqual([{ op: '+', line: 'x' }])
    expect(diffLines(['x'], [])).toEqual([{ op: '-', line: 'x' }])
    expect(diffLines(['x', 'y'], ['x', 'y']).every((o) => o.op === ' ')).toBe(true)
  })

  it('round-trips random edits (bounded loop, seeded)', () => {
    let seed = 42
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    for (let t = 0; t < 200; t++) {
      const a = Array.from({ length: rnd(30) }, () => String(rnd(6)))
      const b = Array.from({ length: rnd(30) }, () => String(rnd(6)))
      expect(apply(a, diffLines(a, b))).toEqual(b)
    }
  })
})

describe('unified diff', () => {
  it('prints GNU-style hunks with 3 lines of context', () => {
    const a = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n') + '\n'
    const b = a.replace('line 5\n', 'line five\n').replace('line 18\n', '')
    expect(unifiedDiff(a, b, { oldLabel: 'old', newLabel: 'new' })).toBe(
      ['--- old', '+++ new', '@@ -2,7 +2,7 @@', ' line 2', ' line 3', ' line 4', '-line 5', '+line five', ' line 6', ' line 7', ' line 8', '@@ -15,6 +15,5 @@', ' line 15', ' line 16', ' line 17', '-line 18', ' line 19', ' line 20', ''].join('\n'),
    )
  })

  it('merges close changes into one hunk and handles whole-file adds', () => {
    const d = unifiedDiff('a\nb\nc\nd\n', 'A\nb\nc\nD\n', { oldLabel: 'x', newLabel: 'y' })
    expect(d.match(/^@@/gm)).toHaveLength(1)
    expect(unifiedDiff('', 'a\nb\n', { oldLabel: '/dev/null', newLabel: 'f' })).toBe('--- /dev/null\n+++ f\n@@ -0,0 +1,2 @@\n+a\n+b\n')
    expect(unifiedDiff('a\n', '', { oldLabel: 'f', newLabel: '/dev/null' })).toBe('--- f\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n')
    expect(unifiedDiff('same\n', 'same\n', { oldLabel: 'a', newLabel: 'b' })).toBe('')
  })

  it('splits lines without a phantom last line', () => {
    expect(splitLines('a\nb\n')).toEqual(['a', 'b'])
    expect(splitLines('')).toEqual([])
  })
})
