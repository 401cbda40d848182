import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/cli/errors.js'
import LabUp from '../../src/commands/lab/up.js'
import { addressInUseError, addressesInUse } from '../../src/lab/launch.js'

// What lab.log holds after `lab up` in a second LASTMILE_HOME while a first lab runs on port 2222.
const secondLabLog = `2026-12-06T19:42:20.345Z info  lab daemon 28287: 152 stations, shell busybox, port 2222
2026-12-06T19:42:20.354Z info  faults: none
2026-12-06T19:42:20.462Z error station 441802007001: listener: listen EADDRINUSE: address already in use 127.20.0.1:2222
2026-12-06T19:42:20.462Z error cannot start: 127.20.0.1:2222 is already in use (station 441802007001): another lab (with another LASTMILE_HOME?) or program listens there; stop it or pass --port
2026-12-06T19:42:20.467Z error station 441802007003: listener: listen EADDRINUSE: address already in use 127.20.0.3:2222
2026-12-06T19:42:20.491Z error station 441802008009: listener: listen EADDRINUSE: address already in use 127.27.0.9:2222
2026-12-06T19:42:20.492Z error station 441802106004: listener: listen EADDRINUSE: address already in use 127.25.0.4:2222
`

describe('when the lab daemon exits before its stations are up', () => {
  it('recognises taken addresses in its log, naming the one it gave up on', () => {
    expect(addressesInUse(secondLabLog)).toEqual({ address: '127.20.0.1:2222', count: 4 })
  })

  it('finds them in the tail alone too (the other stations keep logging after the daemon gave up)', () => {
    const tail = secondLabLog.split('\n').slice(-3).join('\n')
    expect(addressesInUse(tail)).toEqual({ address: '127.27.0.9:2222', count: 2 })
  })

  it('leaves other failures alone (they stay bugs, with the log in the hint)', () => {
    expect(addressesInUse('2026-12-06T19:42:20.462Z error cannot start: ENOENT: no such file or directory, open \'/x/lab/host_ed25519\'\n')).toBeUndefined()
    expect(addressesInUse('')).toBeUndefined()
  })

  it('says which address is taken and what to do, as a usage error (exit 2), not a bug', () => {
    const err = addressInUseError({ address: '127.27.0.5:2222', count: 1 }, { logFile: '/home/t/.lastmile/lab/lab.log' })
    expect(err).toBeInstanceOf(UsageError)
    expect(err.exitCode).toBe(2)
    expect(err.message).toBe('another lab (or another program) already listens on 127.27.0.5:2222, so this lab cannot start')
    expect(err.hint).toMatch(/`lastmile lab down` in the home it was started from \(its LASTMILE_HOME/)
    expect(err.hint).toContain("ss -ltnp 'sport = :2222'")
    expect(err.hint).toContain('`lastmile lab up --port 0`')
    expect(err.hint).toContain('/home/t/.lastmile/lab/lab.log')
    expect(err.message + (err.hint ?? '')).not.toMatch(/\bbug\b/)
  })

  it('names the other lab and its home when it is a lab daemon', () => {
    const err = addressInUseError({ address: '127.20.0.1:2222', count: 152 }, { holder: { pid: 5890, home: '/tmp/training lab' } })
    expect(err.message).toBe("the lab of LASTMILE_HOME='/tmp/training lab' (daemon pid 5890) already listens on 127.20.0.1:2222 and on other addresses of this lab, so this lab cannot start")
    expect(err.hint).toMatch(/^Stop that lab with `LASTMILE_HOME='\/tmp\/training lab' lastmile lab down`/)
  })

  it('suggests only flags that `lab up` has', () => {
    for (const holder of [undefined, { pid: 1234, home: '/tmp/a' }]) {
      const hint = addressInUseError({ address: '127.20.0.1:2222', count: 1 }, holder ? { holder } : {}).hint ?? ''
      const flags = [...hint.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)].map((m) => m[1] ?? '')
      expect(flags.length).toBeGreaterThan(0)
      for (const f of flags) expect(Object.keys(LabUp.flags)).toContain(f)
    }
  })
})
