import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fieldReferenceMarkdown, inventoryJsonSchemas, SCHEMA_FILES, schemaFileText, type InventoryFileKind, type JsonSchema } from './json-schema.js'

export interface SchemaOptions {
  /** Write `<out>/{district,town,operators}.schema.json` instead of returning them. */
  out?: string
}

export interface SchemaResult {
  schemas: Record<InventoryFileKind, JsonSchema>
  /** Files written, when `out` was given. */
  written: string[]
}

export async function inventorySchemas(opts: SchemaOptions = {}): Promise<SchemaResult> {
  const schemas = inventoryJsonSchemas()
  const written: string[] = []
  if (opts.out) {
    await mkdir(opts.out, { recursive: true })
    for (const kind of Object.keys(SCHEMA_FILES) as InventoryFileKind[]) {
      const file = path.join(opts.out, SCHEMA_FILES[kind])
      await writeFile(file, schemaFileText(schemas[kind]), 'utf8')
      written.push(file)
    }
  }
  return { schemas, written }
}

export { fieldReferenceMarkdown }
