import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportInventory } from '../../src/inventory/export.js'
import { run } from '../../src/util/exec.js'
import { REAL } from './helpers/mini.js'

const probe = await run('ansible-inventory', ['--version'])
const available = !probe.notFound && probe.exitCode === 0
const reason = available ? '' : ' (skipped: ansible-inventory is not installed; apt install ansible-core)'

let tmp: string
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'lastmile-ansible-'))
})
afterAll(() => rm(tmp, { recursive: true, force: true }))

interface Listed {
  _meta: { hostvars: Record<string, Record<string, unknown>> }
  all: { children: string[] }
  [group: string]: { hosts?: string[]; children?: string[] } | Listed['_meta'] | Listed['all']
}

describe('inventory export --format ansible', () => {
  it.skipIf(!available)(`is parsed by ansible-inventory${reason}`, async () => {
    const file = path.join(tmp, 'hosts.yaml')
    await exportInventory({ inventoryDir: REAL, format: 'ansible', out: file })
    // Ansible turns inventory parse failures into warnings with exit 0 (ansible#81981): make them fatal.
    const r = await run('ansible-inventory', ['-i', file, '--list'], {
      env: { ...process.env, ANSIBLE_INVENTORY_ENABLED: 'yaml', ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true', ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED: 'true', ANSIBLE_HOME: tmp, ANSIBLE_LOCAL_TEMP: tmp, ANSIBLE_NOCOLOR: '1' },
      timeoutMs: 60_000,
    })
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stderr).not.toMatch(/WARNING|ERROR/)
    const listed = JSON.parse(r.stdout) as Listed
    expect(Object.keys(listed._meta.hostvars)).toHaveLength(152)
    expect([...listed.all.children].sort()).toEqual(['dongcheng', 'feilaixia', 'fengcheng', 'henghe', 'lastmile_canary', 'longtang', 'shijiao', 'ungrouped', 'yuantan', 'zhouxin'])
    expect((listed.fengcheng as { hosts: string[] }).hosts).toHaveLength(27)
    expect((listed.lastmile_canary as { hosts: string[] }).hosts).toHaveLength(8)
    const qinglong = listed._meta.hostvars['441802103203']!
    expect(qinglong).toMatchObject({ ansible_host: '10.250.5.8', ansible_user: 'root', ansible_port: 22, lastmile_name: '青龙村委会', lastmile_town_code: '441802103000' })
    expect(qinglong.lastmile_tunnel_private_key).toBe("{{ lookup('env', 'LASTMILE_SECRET_WIREGUARD_441802103203') }}")
  })

  it.skipIf(!available)(`a name or SSID that looks like a Jinja template stays text in Ansible, never runs on the control node${reason}`, async () => {
    const { copyMini, replaceIn, cleanupCopies } = await import('./helpers/mini.js')
    try {
      const dir = await copyMini()
      await replaceIn(dir, 'towns/feilaixia.yaml', 'ssid: 清城区飞来峡江口村', 'ssid: "{{lookup(*dict(pipe=1,id=2))}}"')
      const file = path.join(tmp, 'jinja.yaml')
      await exportInventory({ inventoryDir: dir, format: 'ansible', out: file })
      const r = await run('ansible', ['441802104201', '-i', file, '-c', 'local', '-m', 'debug', '-a', 'msg={{ lastmile_wifi.public.ssid }}'], {
        env: { ...process.env, ANSIBLE_HOME: tmp, ANSIBLE_LOCAL_TEMP: tmp, ANSIBLE_NOCOLOR: '1' },
        timeoutMs: 60_000,
      })
      expect(r.exitCode, r.stderr).toBe(0)
      expect(r.stdout).toContain('"msg": "{{lookup(*dict(pipe=1,id=2))}}"')
      expect(r.stdout).not.toContain('uid=')
    } finally {
      await cleanupCopies()
    }
  })
})
