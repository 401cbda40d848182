import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { buildCommand, isEnvName, shellQuote } from '../../src/ssh/quote.js'

const HOSTILE = ["'; rm -rf / #", '$(id)', '`id`', 'a\nb', '清城区飞来峡镇', "it's", "''", '"', '\\', '$HOME', '${PATH}', '*', '?', '~root', '-e', 'a b', '\t', '!', '#', '&&', '|', '>x', '<x', '(', ')', '{', '}', ';', '\r', '\u200b', '😀']

describe('shellQuote', () => {
  it('leaves plain words bare and quotes the rest', () => {
    expect(shellQuote('probe')).toBe('probe')
    expect(shellQuote('/etc/config/network')).toBe('/etc/config/network')
    expect(shellQuote('--confirm-within')).toBe('--confirm-within')
    expect(shellQuote('')).toBe("''")
    expect(shellQuote('a b')).toBe("'a b'")
    expect(shellQuote("it's")).toBe(`'it'\\''s'`)
    expect(shellQuote("'; rm -rf / #")).toBe(`''\\''; rm -rf / #'`)
  })

  it('refuses a NUL, which no argument can carry', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/)
  })

  it('every hostile string reaches a real sh as exactly one unchanged word', () => {
    const script = buildCommand("printf '%s\\0'", HOSTILE)
    const out = execFileSync('/bin/sh', ['-c', script])
    expect(out.toString('utf8').split('\0').slice(0, -1)).toEqual(HOSTILE)
  })

  it('works the same under busybox ash (the shell of an OpenWrt station)', () => {
    const script = buildCommand("printf '%s\\0'", HOSTILE)
    const out = execFileSync('/usr/bin/busybox', ['sh', '-c', script])
    expect(out.toString('utf8').split('\0').slice(0, -1)).toEqual(HOSTILE)
  })

  it('buildCommand keeps the command verbatim and quotes only arguments', () => {
    expect(buildCommand('lastmile-station probe', ['/etc/config/network', "x'y"])).toBe(`lastmile-station probe /etc/config/network 'x'\\''y'`)
  })

  it('isEnvName accepts variable names only', () => {
    expect(isEnvName('LASTMILE_ROOT')).toBe(true)
    expect(isEnvName('1X')).toBe(false)
    expect(isEnvName('A;B')).toBe(false)
  })
})
