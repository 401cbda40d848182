import { Flags } from '@oclif/core'
import { formatTable } from '../cli/table.js'
import type { InfraOutputsResult } from './infra-outputs.js'
import type { InfraRenderResult } from './infra-render.js'
import { runInfra, type InfraOperation, type InfraRunResult } from './infra-run.js'
import type { CloudOutputs } from './outputs.js'
import { askYesNo } from './prompt.js'

/** Flags of the `infra` topic (commands stay thin: parse, call a service, format). */
export const infraFlags = {
  stack: Flags.string({ summary: 'Stack to act on: a Pulumi.<stack>.yaml in stacks/district (prod, lab).', required: true }),
  inventory: Flags.string({ char: 'i', summary: "Inventory directory; default: the stack config's `inventory` (inventory/qingcheng).", env: 'LASTMILE_INVENTORY' }),
  yes: Flags.boolean({ char: 'y', summary: 'Change the cluster without asking; required in CI and without a terminal.', default: false }),
}

/**
 * What `infra preview|refresh|up|destroy` run: the flags as runInfra options. With `yes` given
 * (up, destroy) it may ask in a terminal; --json is for machines: nobody reads a question there,
 * so it needs --yes like CI. Pulumi's live progress goes to stderr for people; --json output stays
 * a single envelope.
 */
export function runInfraCommand(operation: InfraOperation, flags: { stack: string; inventory?: string | undefined; yes?: boolean }, json: boolean): Promise<InfraRunResult> {
  return runInfra(operation, {
    stack: flags.stack,
    ...(flags.inventory ? { inventoryDir: flags.inventory } : {}),
    ...(flags.yes === undefined ? {} : { yes: flags.yes, confirm: askYesNo }),
    ...(json ? { interactive: false } : { onOutput: (text: string) => void process.stderr.write(text) }),
  })
}

export function displayRun(r: InfraRunResult): string {
  const lines = [`${r.operation} of stack ${r.stack} (${r.backend}, inventory ${r.inventory}): ${r.status === 'declined' ? 'declined, nothing changed' : 'done'}`]
  const rows = Object.entries(r.changes).sort(([a], [b]) => (a < b ? -1 : 1))
  lines.push(rows.length > 0 ? formatTable(['change', 'resources'], rows, { align: ['left', 'right'] }) : 'no resource changes reported')
  if (r.cloud) lines.push('', displayCloud(r.cloud))
  return lines.join('\n')
}

export function displayCloud(c: CloudOutputs): string {
  return formatTable(
    ['what stations use', 'value'],
    [
      ['hub endpoint', c.hub.endpoint],
      ['hub public key', c.hub.publicKey],
      ['hub tunnel address', `${c.hub.address} (${c.hub.tunnelSubnet})`],
      ['portal', `${c.portal.url} (${c.portal.address})`],
      ['monitoring', c.monitoring.address],
      ['source', c.source],
    ],
  )
}

export function displayOutputs(r: InfraOutputsResult): string {
  return `stack ${r.stack}, from ${r.source === 'pulumi-stack' ? 'the deployed stack' : 'the inventory (no Pulumi CLI)'}\n${displayCloud(r.cloud)}`
}

export function displayRender(r: InfraRenderResult): string {
  const table = formatTable(['file', 'objects', 'sha256'], r.files.map((f) => [f.file, f.objects, f.sha256.slice(0, 12)]), { align: ['left', 'right', 'left'] })
  const removed = r.removed.length > 0 ? `\nremoved (no longer in the inventory): ${r.removed.join(', ')}` : ''
  const what = r.unchanged ? `${r.out} is up to date: the same inputs rendered these ${r.objects} objects of stack ${r.stack} (nothing written)` : `rendered ${r.objects} objects of stack ${r.stack} to ${r.out}`
  return `${what}\n${table}${removed}\nApply with \`kubectl apply -f ${r.out}\` or commit the folder for GitOps.`
}
