import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { fieldReferenceMarkdown, inventorySchemas, type SchemaResult } from '../../inventory/schema-files.js'

type Result = SchemaResult & { markdown?: string }

export default class InventorySchema extends BaseCommand<Result> {
  static override summary = 'JSON Schema of district.yaml, towns/*.yaml and operators.yaml, for editors and other tools.'
  static override description = 'Prints the JSON Schemas (draft-07, as the files are written: defaults optional) of the three inventory file kinds as one JSON object, or writes them as district.schema.json, town.schema.json and operators.schema.json into --out. The inventory files point to them with a `# yaml-language-server: $schema=…` first line. --markdown prints the field reference of docs/inventory.md instead.'
  static override examples = ['<%= config.bin %> inventory schema --out schema', '<%= config.bin %> inventory schema > schemas.json', '<%= config.bin %> inventory schema --markdown']
  static override flags = {
    out: Flags.string({ char: 'o', summary: 'Write the three *.schema.json files into this directory.' }),
    markdown: Flags.boolean({ summary: 'Print the field reference (markdown tables) instead of JSON Schema.', default: false, exclusive: ['out'] }),
  }

  protected async execute(): Promise<Result> {
    const { flags } = await this.parse(InventorySchema)
    const result = await inventorySchemas({ out: flags.out })
    return flags.markdown ? { ...result, markdown: fieldReferenceMarkdown() } : result
  }

  protected display(r: Result): string {
    if (r.markdown) return r.markdown.trimEnd()
    if (r.written.length > 0) return `wrote ${r.written.join(', ')}`
    return JSON.stringify(r.schemas, null, 2)
  }
}
