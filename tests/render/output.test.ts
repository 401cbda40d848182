import { mkdtemp, readFile, rm, stat, writeFile, mkdir, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { UsageError } from '../../src/cli/errors.js'
import { RENDER_MARKER } from '../../src/render/output.js'
import { renderAll } from '../../src/render/render-all.js'
import { writeRenderOutput } from '../../src/render/output.js'
import { formatRenderResult, renderToDirectory } from '../../src/render/service.js'
import { fixedResolver, loadMini, MINI } from './helpers.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lastmile-render-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('lastmile render --out', () => {
  it('writes each file with its mode, a manifest per station and the marker', async () => {
    const out = path.join(dir, 'out')
    const r = await renderToDirectory({ inventoryDir: MINI, out, resolver: fixedResolver() })
    expect(r.stations).toBe(2)
    expect(r.towns.map((t) => [t.slug, t.stations])).toEqual([
      ['feilaixia', 1],
      ['fengcheng', 1],
    ])
    expect((await stat(path.join(out, '441802006001/etc/config/network'))).mode & 0o777).toBe(0o600)
    expect((await stat(path.join(out, '441802006001/etc/config/firewall'))).mode & 0o777).toBe(0o644)
    const manifest = JSON.parse(await readFile(path.join(out, '441802104201/manifest.json'), 'utf8')) as { configId: string; files: Array<{ path: string; reload: string }> }
    expect(manifest.configId).toBe(r.results.find((x) => x.id === '441802104201')!.configId)
    expect(manifest.files.find((f) => f.path === '/etc/config/wireless')!.reload).toBe('wireless')
    expect(await readdir(out)).toContain(RENDER_MARKER)
    expect(await readdir(out)).not.toContain('441802104202') // hasStation: false
    const text = formatRenderResult(r)
    expect(text).toMatch(/飞来峡镇\s+feilaixia\s+1\s+8/)
    expect(text).toMatch(/凤城街道\s+fengcheng\s+1\s+7/)
  })

  it('refuses a non-empty folder that is not a render output, touching nothing', async () => {
    await writeFile(path.join(dir, 'notes.txt'), 'mine')
    const err = await renderToDirectory({ inventoryDir: MINI, out: dir, resolver: fixedResolver() }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UsageError)
    expect(await readdir(dir)).toEqual(['notes.txt'])
  })

  it('re-renders into its own output; a file no longer rendered goes only if lastmile wrote it unchanged', async () => {
    const inv = await loadMini()
    await writeRenderOutput(dir, await renderAll(inv, { resolver: fixedResolver() }))
    await writeFile(path.join(dir, '441802104201/etc/notes-by-hand'), 'keep me')
    const wireless = path.join(dir, '441802104201/etc/config/wireless')
    inv.stations.find((s) => s.id === '441802104201')!.wifi = undefined
    const first = await writeRenderOutput(dir, await renderAll(inv, { resolver: fixedResolver() }))
    expect(first.kept).toEqual([])
    await expect(stat(wireless)).rejects.toThrow()
    expect(await readFile(path.join(dir, '441802104201/etc/notes-by-hand'), 'utf8')).toBe('keep me')

    // An edited stale file is kept and reported.
    const inv2 = await loadMini()
    await writeRenderOutput(dir, await renderAll(inv2, { resolver: fixedResolver() }))
    await writeFile(wireless, 'edited by hand\n')
    const second = await writeRenderOutput(dir, await renderAll(inv, { resolver: fixedResolver() }))
    expect(second.kept).toEqual([wireless])
    expect(await readFile(wireless, 'utf8')).toBe('edited by hand\n')
  })

  it('refuses a file as --out', async () => {
    const f = path.join(dir, 'file')
    await writeFile(f, '')
    await expect(writeRenderOutput(f, [])).rejects.toThrow(/is not a folder/)
    await mkdir(path.join(dir, 'empty'))
    await expect(writeRenderOutput(path.join(dir, 'empty'), [])).resolves.toEqual({ kept: [] })
  })
})
