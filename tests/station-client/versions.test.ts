import { describe, expect, it } from 'vitest'
import { compareVersions } from '../../src/station/agent-bundle.js'
import { agentCheck } from '../../src/health/checks/config.js'
import type { AgentHealth } from '../../src/health/types.js'

describe('compareVersions (semver-like: the agent is upgraded only when the shipped one is newer)', () => {
  it('compares dotted numbers numerically', () => {
    expect(compareVersions('1.10.0', '1.9.9')).toBe(1)
    expect(compareVersions('1.9.9', '1.10.0')).toBe(-1)
    expect(compareVersions('1.0.0', '1.0.0')).toBe(0)
    expect(compareVersions('1.0', '1.0.0')).toBe(0)
    expect(compareVersions('1.0.1', '1.0')).toBe(1)
  })

  it('ranks a pre-release below its release', () => {
    expect(compareVersions('1.0.0-rc1', '1.0.0')).toBe(-1)
    expect(compareVersions('1.0.0', '1.0.0-rc1')).toBe(1)
    expect(compareVersions('1.0.0-rc1', '0.9.9')).toBe(1)
    expect(compareVersions('1.1.0-beta', '1.0.0')).toBe(1)
  })

  it('orders pre-releases like semver: numeric identifiers numerically and below text, more identifiers later', () => {
    expect(compareVersions('1.0.0-rc.2', '1.0.0-rc.10')).toBe(-1)
    expect(compareVersions('1.0.0-alpha', '1.0.0-beta')).toBe(-1)
    expect(compareVersions('1.0.0-1', '1.0.0-alpha')).toBe(-1)
    expect(compareVersions('1.0.0-alpha', '1.0.0-alpha.1')).toBe(-1)
    expect(compareVersions('1.0.0-rc1', '1.0.0-rc1')).toBe(0)
  })

  it('ignores build metadata', () => {
    expect(compareVersions('1.0.0+abc', '1.0.0')).toBe(0)
    expect(compareVersions('1.0.0+abc', '1.0.1')).toBe(-1)
  })

  it('health says an agent older than the shipped one is older, a release candidate included', () => {
    const h = { agent: '1.0.0-rc1' } as AgentHealth
    expect(agentCheck(h, '1.0.0').state).toBe('warning')
    expect(agentCheck({ agent: '1.0.0' } as AgentHealth, '1.0.0-rc1').state).toBe('ok')
    expect(agentCheck({ agent: '1.10.0' } as AgentHealth, '1.9.0').state).toBe('ok')
  })
})
