import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { renderAll } from '../../src/render/render-all.js'
import type { RenderedStation } from '../../src/render/station.js'
import { appliedRecorder } from '../../src/rollout/wiring.js'
import { readApplied } from '../../src/state/applied-store.js'
import { loadFingerprintKey } from '../../src/state/fingerprint-key.js'
import { statePaths } from '../../src/state/paths.js'
import { fixedResolver, loadMini } from '../render/helpers.js'

const ID = '441802006001'
let home: string
let rendered: Map<string, RenderedStation>

beforeEach(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'lastmile-recorder-'))
  const key = (await loadFingerprintKey(home, { create: true }))!
  const [r] = await renderAll(await loadMini(), { stations: [ID], resolver: fixedResolver(), masked: true, fingerprintKey: key })
  rendered = new Map([[ID, r!]])
})
afterEach(async () => {
  await rm(home, { recursive: true, force: true })
})

const entry = (at: string, unchanged?: boolean): Parameters<ReturnType<typeof appliedRecorder>['record']>[0] => ({ stationId: ID, configId: rendered.get(ID)!.configId, runId: 'r', at, files: [], ...(unchanged ? { unchanged } : {}) })

describe('the applied record of a rollout', () => {
  it('a confirmed apply writes the record with the time of the apply', async () => {
    await appliedRecorder(home, rendered).record(entry('2026-12-01T00:00:00.000Z'))
    expect(await readApplied(home, ID)).toMatchObject({ configId: rendered.get(ID)!.configId, appliedAt: '2026-12-01T00:00:00.000Z' })
  })

  it('a station found up to date keeps its record: appliedAt stays when it was applied', async () => {
    const rec = appliedRecorder(home, rendered)
    await rec.record(entry('2026-12-01T00:00:00.000Z'))
    await rec.record(entry('2026-12-06T00:00:00.000Z', true))
    expect((await readApplied(home, ID))?.appliedAt).toBe('2026-12-01T00:00:00.000Z')
  })

  it('a station found up to date without a record (or with a damaged one) gets one', async () => {
    const rec = appliedRecorder(home, rendered)
    await rec.record(entry('2026-12-06T00:00:00.000Z', true))
    expect((await readApplied(home, ID))?.configId).toBe(rendered.get(ID)!.configId)
    await writeFile(path.join(statePaths.applied(home), `${ID}.json`), '{ not json')
    await rec.record(entry('2026-12-07T00:00:00.000Z', true))
    expect((await readApplied(home, ID))?.appliedAt).toBe('2026-12-07T00:00:00.000Z')
  })
})
