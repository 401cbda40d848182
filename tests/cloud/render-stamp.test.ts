import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { infraRender } from '../../src/cloud/infra-render.js'
import { STAMP_FILE } from '../../src/cloud/render-stamp.js'
import { UsageError } from '../../src/cli/errors.js'
import { MINI, load } from './helpers.js'

const tmp = (): Promise<string> => mkdtemp(path.join(tmpdir(), 'lastmile-stamp-'))

async function snapshot(out: string): Promise<Map<string, { text: string; mtimeMs: number }>> {
  const m = new Map<string, { text: string; mtimeMs: number }>()
  for (const f of (await readdir(out)).sort()) m.set(f, { text: await readFile(path.join(out, f), 'utf8'), mtimeMs: (await stat(path.join(out, f))).mtimeMs })
  return m
}

describe('infra render with the same inputs twice', () => {
  it('the second render writes nothing and returns the same files and outputs', async () => {
    const inv = await load(MINI)
    const out = await tmp()
    const first = await infraRender({ stack: 'lab', inventory: inv, out })
    expect(first.unchanged).toBeUndefined()
    const before = await snapshot(out)
    expect(before.has(STAMP_FILE)).toBe(true)

    const second = await infraRender({ stack: 'lab', inventory: inv, out })
    expect(second.unchanged).toBe(true)
    expect(second.files).toEqual(first.files)
    expect(second.objects).toBe(first.objects)
    expect(second.outputs).toEqual(first.outputs)
    expect(await snapshot(out)).toEqual(before)
  })

  it('a rendered file edited by hand is rendered again (the stamp no longer matches the bytes)', async () => {
    const inv = await load(MINI)
    const out = await tmp()
    const first = await infraRender({ stack: 'lab', inventory: inv, out })
    const file = path.join(out, first.files[0]!.file)
    const original = await readFile(file, 'utf8')
    await writeFile(file, `${original}# a hand edit\n`)
    const again = await infraRender({ stack: 'lab', inventory: inv, out })
    expect(again.unchanged).toBeUndefined()
    expect(await readFile(file, 'utf8')).toBe(original)
  })

  it('other inputs (another stack config, a changed inventory) render again', async () => {
    const inv = await load(MINI)
    const out = await tmp()
    await infraRender({ stack: 'lab', inventory: inv, out })
    expect((await infraRender({ stack: 'prod', inventory: inv, out })).unchanged).toBeUndefined()
    const renamed = { ...inv, district: { ...inv.district, name: `${inv.district.name} (renamed)` } }
    expect((await infraRender({ stack: 'prod', inventory: renamed, out })).unchanged).toBeUndefined()
    expect((await infraRender({ stack: 'prod', inventory: renamed, out })).unchanged).toBe(true)
  })

  it('a file it did not write in the folder is still refused, stamp or not', async () => {
    const inv = await load(MINI)
    const out = await tmp()
    await infraRender({ stack: 'lab', inventory: inv, out })
    await writeFile(path.join(out, 'town-somebody.yaml'), 'kind: ConfigMap\n')
    await expect(infraRender({ stack: 'lab', inventory: inv, out })).rejects.toBeInstanceOf(UsageError)
  })

  it('without the stamp (an older lastmile, or removed) it renders again and writes a new one', async () => {
    const inv = await load(MINI)
    const out = await tmp()
    await infraRender({ stack: 'lab', inventory: inv, out })
    await rm(path.join(out, STAMP_FILE))
    expect((await infraRender({ stack: 'lab', inventory: inv, out })).unchanged).toBeUndefined()
    expect((await infraRender({ stack: 'lab', inventory: inv, out })).unchanged).toBe(true)
  })
})
