import { describe, expect, it } from 'vitest'
import { countSshdLog, parseAnsibleRecap, parseGnuTime, parseLastmileJson, parseProcStat } from '../../bench/lib/parse.js'
import { parseCpuStat } from '../../bench/lib/cgroup.js'

describe('parsing what the tools print', () => {
  it('reads GNU time -f "%e %U %S %M", also after a "Command exited" line', () => {
    expect(parseGnuTime('12.50 3.20 0.80 153600\n')).toEqual({ elapsedS: 12.5, userS: 3.2, sysS: 0.8, maxRssKb: 153600 })
    expect(parseGnuTime('Command exited with non-zero status 4\n1.00 0.50 0.10 2048\n')?.maxRssKb).toBe(2048)
    expect(parseGnuTime('')).toBeUndefined()
  })

  it("sums ansible-playbook's PLAY RECAP", () => {
    const out = [
      'TASK [x] ***',
      'ok: [441802007001]',
      '',
      'PLAY RECAP *********************************************************************',
      '441802007001               : ok=11   changed=11   unreachable=0    failed=0    skipped=1    rescued=0    ignored=0   ',
      '441802007002               : ok=13   changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   ',
      '',
    ].join('\n')
    expect(parseAnsibleRecap(out)).toEqual({ hosts: 2, ok: 24, changed: 11, unreachable: 0, failed: 0, skipped: 1, hostsChanged: 1 })
    expect(parseAnsibleRecap('no recap')).toBeUndefined()
  })

  it("reads push/rollout --json totals and the first station's error", () => {
    const doc = {
      status: 4,
      result: {
        totals: { confirmed: 1, unchanged: 0, failed: 1, rolledBack: 0, unreachable: 0, skipped: 0 },
        stations: [{ id: 'a', state: 'confirmed' }, { id: 'b', state: 'failed', error: { class: 'auth', message: 'refused' } }],
        ms: 1234,
      },
    }
    expect(parseLastmileJson(JSON.stringify(doc, null, 2))).toEqual({ stations: 2, confirmed: 1, unchanged: 0, failed: 1, rolledBack: 0, unreachable: 0, skipped: 0, ms: 1234, firstError: 'b: auth: refused' })
    expect(parseLastmileJson('warning: x\n' + JSON.stringify(doc))?.confirmed).toBe(1)
    expect(parseLastmileJson('not json')).toBeUndefined()
  })

  it('counts connections, exec channels and subsystems in an sshd DEBUG1 log', () => {
    const log = [
      'Accepted publickey for lmbench from 127.0.0.1 port 1 ssh2: ED25519 SHA256:x',
      'debug1: server_input_channel_req: channel 0 request exec reply 1',
      'debug1: session_input_channel_req: session 0 req exec',
      'debug1: session_input_channel_req: session 1 req exec',
      'debug1: session_input_channel_req: session 2 req subsystem',
      'Accepted publickey for lmbench from 127.0.0.1 port 2 ssh2: ED25519 SHA256:x',
    ].join('\n')
    expect(countSshdLog(log)).toEqual({ connections: 2, execs: 2, subsystems: 1 })
  })

  it('reads /proc/stat and cgroup v2 cpu.stat', () => {
    expect(parseProcStat('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3\n')).toEqual({ total: 1000, idle: 850 })
    expect(parseCpuStat('usage_usec 3000\nuser_usec 2000\nsystem_usec 1000\n')).toEqual({ userNs: 2_000_000, sysNs: 1_000_000 })
  })
})
