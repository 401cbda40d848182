import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { desiredState } from '../../src/cloud/desired/index.js'
import { renderFiles } from '../../src/cloud/render.js'
import { readStackFile } from '../../src/cloud/stack-config.js'
import { MINI, load } from './helpers.js'

/*
 * The rendered YAML of the fixture inventory, for both stacks, pinned byte for
 * byte: a change to any object shows up in review as a diff of these files.
 * Regenerate after an intended change with UPDATE_GOLDEN=1.
 */
const GOLDEN = path.resolve('tests/cloud/golden')

describe.each(['lab', 'prod'])('rendered YAML of inventory-mini, stack %s', (stack) => {
  it('matches tests/cloud/golden', async () => {
    const files = renderFiles(desiredState(await load(MINI), (await readStackFile(stack)).config))
    const dir = path.join(GOLDEN, stack)
    if (process.env.UPDATE_GOLDEN) {
      await mkdir(dir, { recursive: true })
      for (const f of files) await writeFile(path.join(dir, f.file), f.text)
    }
    expect((await readdir(dir)).sort()).toEqual(files.map((f) => f.file).sort())
    for (const f of files) expect(f.text, f.file).toBe(await readFile(path.join(dir, f.file), 'utf8'))
  })
})
