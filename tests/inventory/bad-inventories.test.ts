import { afterAll, describe, expect, it } from 'vitest'
import { BAD_CASES } from '../fixtures/bad-inventories/cases.js'
import { cleanupCopies, copyMini, validate } from './helpers/mini.js'

afterAll(cleanupCopies)

describe('the mini fixture itself', () => {
  it('is valid, and its only warnings are the secrets it does not have', async () => {
    const r = await validate(await copyMini())
    expect(r.valid).toBe(true)
    expect(r.problems.filter((p) => p.rule !== 'secrets.unresolved')).toEqual([])
  })
})

describe('bad inventories: one defect each, reported at the right place', () => {
  it.each(BAD_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const dir = await copyMini()
    await c.patch(dir)
    const r = await validate(dir, c.env ?? {})
    const severity = c.expect.severity ?? 'error'
    const want = c.expect
    const hit = r.problems.find(
      (p) =>
        p.severity === severity &&
        (want.file === '' ? p.file === undefined : p.file === want.file && p.line === want.line) &&
        (want.field === undefined || p.field === want.field) &&
        (want.station === undefined || p.station === want.station) &&
        (want.rule === undefined || p.rule === want.rule) &&
        p.message.includes(want.message),
    )
    expect(hit, `expected ${severity} at ${want.file}:${want.line} ${want.field ?? ''} "${want.message}"; got:\n${JSON.stringify(r.problems, null, 2)}`).toBeDefined()
    if (severity === 'error') expect(r.valid).toBe(false)
    if (c.errors !== undefined) {
      const errors = r.problems.filter((p) => p.severity === 'error')
      expect(errors, JSON.stringify(errors, null, 2)).toHaveLength(c.errors)
    }
    // Whatever the defect, a secret value never shows up in a message.
    for (const v of Object.values(c.env ?? {})) for (const p of r.problems) expect(p.message).not.toContain(v)
  })
})
