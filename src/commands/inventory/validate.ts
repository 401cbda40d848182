import { BaseCommand } from '../../cli/base-command.js'
import { InvalidInputError, formatProblem } from '../../cli/errors.js'
import { inventoryFlag } from '../../cli/flags.js'
import { validateInventory, type ValidateResult } from '../../inventory/validate.js'

export default class InventoryValidate extends BaseCommand<ValidateResult> {
  static override summary = 'Check the inventory: schema, cross-checks, secrets; every problem with file:line:col.'
  static override description = 'Loads every inventory file, checks each field against the schema (unknown keys are errors) and then the rules between fields (duplicate ids, overlapping subnets, SSID byte length, CN channels, secret references, operator scopes). Exits 3 when there is any error.'
  static override examples = ['<%= config.bin %> inventory validate', '<%= config.bin %> inventory validate --inventory tests/fixtures/inventory-mini --json']
  static override flags = { inventory: inventoryFlag }

  protected async execute(): Promise<ValidateResult> {
    const { flags } = await this.parse(InventoryValidate)
    const result = await validateInventory({ inventoryDir: flags.inventory })
    if (!result.valid) {
      throw new InvalidInputError(`the inventory in ${result.inventory} has ${result.errors} error${result.errors === 1 ? '' : 's'} and ${result.warnings} warning${result.warnings === 1 ? '' : 's'}`, result.problems, 'Fix each file:line above, then run `lastmile inventory validate` again.')
    }
    for (const p of result.problems) this.warn(formatProblem(p).replace(/^warning {2}/, ''))
    return result
  }

  protected display(r: ValidateResult): string {
    return `ok: ${r.inventory} is valid: ${r.towns} towns, ${r.stations} stations${r.warnings ? `, ${r.warnings} warning(s) above` : ''}`
  }
}
