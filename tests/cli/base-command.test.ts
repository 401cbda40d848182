import { describe, expect, it } from 'vitest'
import { Errors } from '@oclif/core'
import { mapError } from '../../src/cli/base-command.js'
import { InvalidInputError, LockedError, MissingDependencyError, UsageError, formatProblem } from '../../src/cli/errors.js'
import { ExitCode, exitCodeTable, formatExitCodeTable } from '../../src/cli/exit-codes.js'
import { Secret } from '../../src/secrets/secret.js'
import { redactSecrets, scrubText } from '../../src/secrets/redact.js'

describe('error → exit code mapping', () => {
  it.each([
    [new UsageError('bad'), ExitCode.Usage, 'usage'],
    [new InvalidInputError('inventory broken', []), ExitCode.InvalidInput, 'invalid-input'],
    [new MissingDependencyError('no pulumi', 'install it'), ExitCode.MissingDependency, 'missing-dependency'],
    [new LockedError('held', 'wait'), ExitCode.Locked, 'locked'],
    [new Errors.CLIError('Nonexistent flag: --x'), ExitCode.Usage, 'usage'],
    [new TypeError('x is undefined'), ExitCode.Bug, 'bug'],
  ])('%s → %i', (err, status, code) => {
    const m = mapError(err)
    expect(m.status).toBe(status)
    expect(m.code).toBe(code)
  })

  it('labels unexpected errors as bugs and says how to report them', () => {
    const m = mapError(new Error('boom'))
    expect(m.message).toContain('boom')
    expect(m.hint).toMatch(/bug/i)
  })

  it('documents every exit code once', () => {
    const codes = exitCodeTable.map((r) => r.code)
    expect(new Set(codes).size).toBe(codes.length)
    expect(codes).toEqual(expect.arrayContaining([0, 1, 2, 3, 4, 5, 6]))
    expect(formatExitCodeTable()).toMatch(/^\s+5\s+rollout aborted/m)
  })
})

describe('problems read like compiler errors', () => {
  it('puts file:line:col, station and field first', () => {
    const line = formatProblem({ severity: 'error', message: 'SSID is 33 bytes', field: 'stations[2].wifi.public.ssid', station: '441802104201', position: { file: 'towns/feilaixia.yaml', line: 40, col: 15 } })
    expect(line).toBe('error  towns/feilaixia.yaml:40:15  station 441802104201  stations[2].wifi.public.ssid  SSID is 33 bytes')
  })
})

describe('secrets never print', () => {
  it('masks a Secret in JSON, template strings and inspect', async () => {
    const s = new Secret('wifi/441802104201/staff', 'correct-horse-battery')
    expect(JSON.stringify({ key: s })).toBe('{"key":"‹secret›"}')
    expect(`${s}`).toBe('‹secret›')
    const { inspect } = await import('node:util')
    expect(inspect({ s })).not.toContain('correct-horse')
  })

  it('scrubs a revealed value copied into any output string', () => {
    const s = new Secret('pppoe/441802104202', 'pppoe-pass-9981')
    const leaked = { message: `login failed for ${s.reveal()}`, nested: [{ v: s.reveal() }] }
    const out = JSON.stringify(redactSecrets(leaked))
    expect(out).not.toContain('pppoe-pass-9981')
    expect(scrubText(`x ${s.reveal()} y`)).toBe('x ‹secret› y')
  })
})
