import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { FIELD_DOCS } from '../../src/inventory/field-docs.js'
import { fieldPaths, fieldReferenceMarkdown, inventoryJsonSchemas, SCHEMA_FILES, schemaFileText } from '../../src/inventory/json-schema.js'
import { REPO } from './helpers/mini.js'

describe('schema/*.json', () => {
  it.each(Object.entries(SCHEMA_FILES))('schema/%s… is up to date (else run `./bin/run.js inventory schema --out schema`)', async (kind, file) => {
    const committed = await readFile(path.join(REPO, 'schema', file), 'utf8')
    const fresh = schemaFileText(inventoryJsonSchemas()[kind as keyof typeof SCHEMA_FILES])
    expect(committed, `schema/${file} is stale: run \`npm run build && ./bin/run.js inventory schema --out schema\` and commit it`).toBe(fresh)
  })

  it('is draft-07, closed (no unknown keys) and keeps the defaults optional', () => {
    const town = inventoryJsonSchemas().town
    expect(town.$schema).toBe('http://json-schema.org/draft-07/schema#')
    expect(town.additionalProperties).toBe(false)
    const station = town.properties!.stations!.items!
    expect(station.required).toContain('id')
    expect(station.required).not.toContain('hasStation')
    expect(station.properties!.hasStation!.default).toBe(true)
  })
})

describe('field documentation', () => {
  it('describes every field of the schema (add new ones to src/inventory/field-docs.ts)', () => {
    const paths = fieldPaths()
    expect(paths.filter((p) => !FIELD_DOCS[p])).toEqual([])
    expect(Object.keys(FIELD_DOCS).filter((p) => !paths.includes(p))).toEqual([])
  })

  it('docs/inventory.md has the current field reference (else paste `./bin/run.js inventory schema --markdown`)', async () => {
    const doc = await readFile(path.join(REPO, 'docs/inventory.md'), 'utf8')
    const m = /<!-- fields:begin[^>]*-->\n([\s\S]*?)<!-- fields:end -->/.exec(doc)
    expect(m, 'docs/inventory.md needs <!-- fields:begin --> … <!-- fields:end --> markers').not.toBeNull()
    expect(m![1]).toBe(fieldReferenceMarkdown())
  })
})
