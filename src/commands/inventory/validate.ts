import path from 'node:path'
import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { InvalidInputError, formatProblem, type InputProblem } from '../../cli/errors.js'
import { inventoryFlag } from '../../cli/flags.js'
import { describeFileCounts, validateInventory, type ValidateResult } from '../../inventory/validate.js'

/** Beyond this many unresolved secret refs, human output summarises them (the JSON lists every one). */
const SECRET_WARNINGS_SHOWN = 5

export default class InventoryValidate extends BaseCommand<ValidateResult> {
  static override summary = 'Check the inventory: schema, cross-checks, secrets; every problem with file:line:col.'
  static override description = 'Loads every inventory file, checks each field against the schema (unknown keys are errors) and then the rules between fields (duplicate ids, overlapping subnets, SSID byte length, CN channels, secret references, operator scopes). Exits 3 when there is any error; warnings (e.g. secrets not available here) do not fail it. Rules: docs/inventory.md.'
  static override examples = [
    '<%= config.bin %> inventory validate',
    '<%= config.bin %> inventory validate --inventory tests/fixtures/inventory-mini --json',
    '<%= config.bin %> inventory validate --no-secrets',
  ]
  static override flags = {
    inventory: inventoryFlag,
    secrets: Flags.boolean({ summary: 'Resolve secret refs (env LASTMILE_SECRET_*, secrets.age) and check their values; --no-secrets skips it.', default: true, allowNo: true }),
  }

  protected async execute(): Promise<ValidateResult> {
    const { flags } = await this.parse(InventoryValidate)
    const result = await validateInventory({ inventoryDir: flags.inventory, secrets: flags.secrets })
    const shown = collapseUnresolvedSecrets(result)
    if (!result.valid) {
      throw new InvalidInputError(
        `the inventory in ${result.inventory} has ${result.errors} error${result.errors === 1 ? '' : 's'} and ${result.warnings} warning${result.warnings === 1 ? '' : 's'} (${describeFileCounts(result.files.filter((f) => f.errors > 0))})`,
        shown,
        'Fix each file:line above, then run `lastmile inventory validate` again. The rules are in docs/inventory.md.',
      )
    }
    for (const p of shown) this.warn(formatProblem(p).replace(/^warning {2}/, ''))
    return result
  }

  protected display(r: ValidateResult): string {
    const parts = [`${r.towns} towns`, `${r.stations} stations`]
    if (r.withoutStation) parts.push(`${r.withoutStation} committee${r.withoutStation === 1 ? '' : 's'} without a station yet`)
    const others = r.warnings - r.unresolvedSecrets
    const notes: string[] = []
    if (r.unresolvedSecrets) notes.push(`${r.unresolvedSecrets} secret ref${r.unresolvedSecrets === 1 ? '' : 's'} not set here`)
    if (others) notes.push(`${others} other warning${others === 1 ? '' : 's'} above`)
    const warn = notes.length ? `; ${notes.join(', ')}` : ''
    return `ok: ${r.inventory} is valid: ${parts.join(', ')}${warn}`
  }
}

/**
 * Without secrets at hand every ref is unresolved (hundreds for the real
 * inventory); people get one line for them so real problems stay visible.
 * `--json` still lists each one in result.problems when the inventory is valid.
 */
function collapseUnresolvedSecrets(r: ValidateResult): InputProblem[] {
  const isSecret = (p: InputProblem): boolean => (p as { rule?: string }).rule === 'secrets.unresolved'
  const secrets = r.problems.filter(isSecret)
  if (secrets.length <= SECRET_WARNINGS_SHOWN) return r.problems
  const examples = secrets.slice(0, 2).map((p) => /export (LASTMILE_SECRET_[A-Z0-9_]+)/.exec(p.message)?.[1] ?? p.field)
  return [
    ...r.problems.filter((p) => !isSecret(p)),
    {
      severity: 'warning',
      message: `${secrets.length} secret refs are not set here (e.g. ${examples.join(', ')}): set the LASTMILE_SECRET_* variables or create ${path.join(r.inventory, 'secrets.age')} before rendering; \`validate --json\` lists each one, \`--no-secrets\` skips this check`,
    },
  ]
}
