import { z } from 'zod'
import { FIELD_DOCS } from './field-docs.js'
import { districtFile, operatorsFile, townFile } from './schema.js'

/** A JSON Schema node (the subset z.toJSONSchema emits for the inventory). */
export interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  items?: JsonSchema
  required?: string[]
  enum?: unknown[]
  const?: unknown
  pattern?: string
  format?: string
  default?: unknown
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  minLength?: number
  maxLength?: number
  minItems?: number
  description?: string
  examples?: unknown[]
  title?: string
  [k: string]: unknown
}

export type InventoryFileKind = 'district' | 'town' | 'operators'

export const SCHEMA_FILES: Readonly<Record<InventoryFileKind, string>> = {
  district: 'district.schema.json',
  town: 'town.schema.json',
  operators: 'operators.schema.json',
}

const ROOTS: Record<InventoryFileKind, { schema: z.ZodType; title: string; description: string }> = {
  district: { schema: districtFile, title: 'lastmile district.yaml', description: 'The district: hub, cloud, VLAN plan, defaults, rollout limits, programme targets. See docs/inventory.md.' },
  town: { schema: townFile, title: 'lastmile towns/<slug>.yaml', description: 'One town (镇/街道) and its village/community service stations. See docs/inventory.md.' },
  operators: { schema: operatorsFile, title: 'lastmile operators.yaml', description: 'People who may run lastmile, their scope and SSH keys. See docs/inventory.md.' },
}

/**
 * JSON Schema (draft-07, which every YAML editor plugin understands) of each
 * inventory file, as written by people (`io: 'input'`: fields with defaults
 * are optional), with the descriptions of field-docs.ts. Pure and
 * deterministic: the committed schema/*.json must equal this.
 */
export function inventoryJsonSchemas(): Record<InventoryFileKind, JsonSchema> {
  const out = {} as Record<InventoryFileKind, JsonSchema>
  for (const kind of Object.keys(ROOTS) as InventoryFileKind[]) {
    const root = ROOTS[kind]
    const schema = z.toJSONSchema(root.schema, { io: 'input', target: 'draft-7' }) as JsonSchema
    walk(schema, '', (node, path) => {
      const doc = FIELD_DOCS[path]
      if (!doc) return
      node.description = doc.description
      if (doc.example !== undefined) node.examples = [doc.example]
    })
    out[kind] = { $schema: schema.$schema, $id: `https://lastmile.invalid/schema/${SCHEMA_FILES[kind]}`, title: root.title, description: root.description, ...schema }
  }
  return out
}

/** The text of a schema file as committed (stable key order, trailing newline). */
export function schemaFileText(schema: JsonSchema): string {
  return JSON.stringify(schema, null, 2) + '\n'
}

/** Visits every property node with its field path (`stations[].wifi.staff.ssid`). */
export function walk(node: JsonSchema, path: string, visit: (node: JsonSchema, path: string) => void): void {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const p = path ? `${path}.${key}` : key
    visit(child, p)
    walk(child, p, visit)
  }
  if (node.items && node.items.type === 'object') walk(node.items, `${path}[]`, visit)
}

/** Every field path of the three files (for the "every field is documented" test). */
export function fieldPaths(): string[] {
  const paths: string[] = []
  for (const schema of Object.values(inventoryJsonSchemas())) walk(schema, '', (_n, p) => paths.push(p))
  return [...new Set(paths)]
}

function typeText(n: JsonSchema): string {
  if (n.const !== undefined) return `\`${String(n.const)}\``
  if (n.enum) return n.enum.map((e) => `\`${String(e)}\``).join(' \\| ')
  if (n.type === 'array') {
    const item = n.items
    return item?.type === 'object' ? 'list of maps' : `list of ${item ? typeText(item) : 'values'}`
  }
  if (n.type === 'object') {
    const keys = Object.keys(n.properties ?? {})
    return keys.length === 1 && keys[0] === 'secret' ? 'secret ref' : 'map'
  }
  if (n.format === 'ipv4') return 'IPv4 address'
  if (n.format === 'cidrv4') return 'IPv4 subnet'
  if (n.format === 'date') return 'date'
  if (n.format === 'uri') return 'URL'
  if (n.type === 'integer') {
    const range = n.minimum !== undefined && n.maximum !== undefined ? ` ${n.minimum}–${n.maximum}` : ''
    return `integer${range}`
  }
  return String(n.type ?? 'any')
}

function exampleText(v: unknown): string {
  if (v === undefined) return ''
  const text = typeof v === 'string' ? v : JSON.stringify(v).replace(/"([a-z]+)":/g, '$1: ').replace(/,/g, ', ')
  return `\`${text.replace(/\|/g, '\\|')}\``
}

/** The field reference of docs/inventory.md: one table per file, generated from the schemas. */
export function fieldReferenceMarkdown(): string {
  const schemas = inventoryJsonSchemas()
  const sections: string[] = []
  const titles: Record<InventoryFileKind, string> = { district: '`district.yaml`', town: '`towns/<slug>.yaml`', operators: '`operators.yaml`' }
  for (const kind of ['district', 'operators', 'town'] as const) {
    const rows: string[] = ['| field | type | required | meaning | example |', '|---|---|---|---|---|']
    const visit = (node: JsonSchema, path: string, required: boolean): void => {
      if (path === '$schema') return
      const req = node.default !== undefined ? `default \`${JSON.stringify(node.default)}\`` : required ? 'yes' : ''
      const desc = (node.description ?? '').replace(/\|/g, '\\|').replace(/</g, '&lt;')
      rows.push(`| \`${path}\` | ${typeText(node)} | ${req} | ${desc} | ${exampleText(node.examples?.[0])} |`)
    }
    const recurse = (node: JsonSchema, path: string): void => {
      const req = new Set(node.required ?? [])
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        const p = path ? `${path}.${key}` : key
        visit(child, p, req.has(key))
        if (typeText(child) === 'secret ref') continue
        recurse(child, p)
      }
      if (node.items?.type === 'object') recurse(node.items, `${path}[]`)
    }
    recurse(schemas[kind], '')
    sections.push(`### ${titles[kind]}\n\n${rows.join('\n')}`)
  }
  return sections.join('\n\n') + '\n'
}
