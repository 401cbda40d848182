import { describe, expect, it } from 'vitest'
import { InvalidInputError } from '../../src/cli/errors.js'
import {
  activeFaults,
  checkSelectors,
  clearRule,
  describeFaults,
  faultsFor,
  parseAssignments,
  parseFaults,
  serializeFaults,
  setRule,
  type FaultTarget,
} from '../../src/lab/faults.js'

const gaojili: FaultTarget = { id: '441802006001', town: { code: '441802006000', slug: 'fengcheng', name: '凤城街道' } }
const jiangkou: FaultTarget = { id: '441802104201', town: { code: '441802104000', slug: 'feilaixia', name: '飞来峡镇' } }

describe('faults file', () => {
  it('parses every kind of fault, single values and lists', () => {
    const text = [
      "'*': {latencyMs: 200}",
      'feilaixia: {bandwidthKbps: 256, failReload: network}',
      "'441802006001':",
      '  unreachable: true',
      '  unplug: [document-camera, e-seal]',
      '  failReload: [wireless, dhcp]',
      '  rebootDuringApply: true',
      '  rebootDownMs: 1500',
      'fengcheng:',
      '',
    ].join('\n')
    const { rules, problems } = parseFaults(text, 'faults.yaml', [gaojili, jiangkou])
    expect(problems).toEqual([])
    expect(rules.map((r) => r.selector)).toEqual(['*', 'feilaixia', '441802006001', 'fengcheng'])
    expect(rules[1]?.faults).toEqual({ bandwidthKbps: 256, failReload: ['network'] })
    // The agent's reload names are accepted for the stubs they run.
    expect(rules[2]?.faults.failReload).toEqual(['wifi', 'dnsmasq'])
    expect(rules[2]?.position).toEqual({ file: 'faults.yaml', line: 3, col: 1 })
    expect(rules[3]?.faults).toEqual({})
  })

  it('names file, line and column of an unknown key, with a suggestion', () => {
    const text = "'441802006001':\n  latencyMs: 100\n  latencyMS: 200\n"
    const { problems } = parseFaults(text, '/tmp/faults.yaml')
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ severity: 'error', field: '441802006001.latencyMS', position: { file: '/tmp/faults.yaml', line: 3, col: 3 } })
    expect(problems[0]?.message).toMatch(/unknown fault 'latencyMS' \(did you mean 'latencyMs'\?\)/)
  })

  it('names the line of a bad value and what is wrong with it', () => {
    const text = "'*':\n  unreachable: yes please\n  latencyMs: -5\n  unplug: [toaster]\n"
    const { problems } = parseFaults(text, 'f.yaml')
    expect(problems.map((p) => [p.position?.line, p.field])).toEqual([
      [2, '*.unreachable'],
      [3, '*.latencyMs'],
      [4, '*.unplug'],
    ])
    expect(problems[1]?.message).toMatch(/latencyMs: .*>=\s*0/)
  })

  it('reports YAML syntax errors and a top level that is not a map', () => {
    expect(parseFaults("'*': {latencyMs: 1\n", 'a.yaml').problems[0]?.position?.file).toBe('a.yaml')
    expect(parseFaults('- unreachable\n', 'b.yaml').problems[0]?.message).toMatch(/must be a map/)
    expect(parseFaults('', 'c.yaml')).toEqual({ rules: [], problems: [] })
    expect(parseFaults("'*': {a: 1}\n'*': {b: 2}\n", 'd.yaml').problems[0]?.position?.line).toBe(2)
  })

  it('rejects selectors that match no station of the lab, at their line', () => {
    const { rules } = parseFaults("'441802006001': {}\nnowhere: {unreachable: true}\n", 'f.yaml')
    const problems = checkSelectors(rules, [gaojili, jiangkou], 'f.yaml')
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ position: { line: 2, col: 1 }, field: 'nowhere' })
  })

  it('accepts an unquoted station id (YAML reads it as a number)', () => {
    const { rules, problems } = parseFaults('441802006001: {diskFull: true}\n', 'f.yaml', [gaojili])
    expect(problems).toEqual([])
    expect(faultsFor(rules, gaojili)).toEqual({ diskFull: true })
  })
})

describe('faults for a station', () => {
  it('merge * < town < station, whatever the order in the file', () => {
    const { rules } = parseFaults(["'441802006001': {latencyMs: 0, unreachable: true}", "'*': {latencyMs: 300, diskFull: true}", '凤城街道: {latencyMs: 100, bandwidthKbps: 64}'].join('\n'), 'f.yaml')
    expect(faultsFor(rules, gaojili)).toEqual({ latencyMs: 0, unreachable: true, diskFull: true, bandwidthKbps: 64 })
    expect(faultsFor(rules, jiangkou)).toEqual({ latencyMs: 300, diskFull: true })
    expect(activeFaults(faultsFor(rules, gaojili))).toEqual({ unreachable: true, diskFull: true, bandwidthKbps: 64 })
    expect(describeFaults(faultsFor(rules, gaojili))).toBe('unreachable bandwidthKbps=64 diskFull')
  })

  it('town selectors match by NBS code, slug and Chinese name', () => {
    for (const sel of ['441802006000', 'fengcheng', '凤城街道']) {
      expect(faultsFor([{ selector: sel, faults: { blackhole: true } }], gaojili)).toEqual({ blackhole: true })
      expect(faultsFor([{ selector: sel, faults: { blackhole: true } }], jiangkou)).toEqual({})
    }
  })

  it('rebootDownMs alone is not a fault in force', () => {
    expect(activeFaults({ rebootDownMs: 100 })).toEqual({})
    expect(activeFaults({ rebootDuringApply: true, rebootDownMs: 100 })).toEqual({ rebootDuringApply: true, rebootDownMs: 100 })
  })
})

describe('lab fault set/clear', () => {
  it('parses key=value, bare booleans and comma lists', () => {
    expect(parseAssignments(['latencyMs=250', 'unreachable', 'diskFull=false', 'unplug=document-camera,e-seal', 'failReload=network'])).toEqual({
      latencyMs: 250,
      unreachable: true,
      diskFull: false,
      unplug: ['document-camera', 'e-seal'],
      failReload: ['network'],
    })
  })

  it('reports every bad setting at once, naming the key', () => {
    let err: unknown
    try {
      parseAssignments(['latncyMs=3', 'latencyMs=fast', 'unreachable=maybe', 'bandwidthKbps'])
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(InvalidInputError)
    const problems = (err as InvalidInputError).problems
    expect(problems.map((p) => p.field)).toEqual(['latncyMs', 'latencyMs', 'unreachable', 'bandwidthKbps'])
    expect(problems[0]?.message).toMatch(/did you mean 'latencyMs'/)
  })

  it('set merges into a selector; clear removes keys or the whole entry; the file round-trips', () => {
    let rules = setRule([], '441802006001', { latencyMs: 200 })
    rules = setRule(rules, '441802006001', { unplug: ['document-camera'] })
    rules = setRule(rules, '*', { flakyPercent: 5 })
    expect(rules).toEqual([
      { selector: '441802006001', faults: { latencyMs: 200, unplug: ['document-camera'] } },
      { selector: '*', faults: { flakyPercent: 5 } },
    ])
    const again = parseFaults(serializeFaults(rules), 'faults.yaml')
    expect(again.problems).toEqual([])
    expect(again.rules.map(({ selector, faults }) => ({ selector, faults }))).toEqual(rules)
    expect(clearRule(rules, '441802006001', ['latencyMs'])).toEqual([
      { selector: '441802006001', faults: { unplug: ['document-camera'] } },
      { selector: '*', faults: { flakyPercent: 5 } },
    ])
    expect(clearRule(rules, '441802006001')).toEqual([{ selector: '*', faults: { flakyPercent: 5 } }])
    expect(parseFaults(serializeFaults([]), 'f.yaml')).toEqual({ rules: [], problems: [] })
  })
})
