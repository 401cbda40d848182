import { afterAll, beforeAll, expect, it } from 'vitest'
import * as pulumi from '@pulumi/pulumi'
import { MINI } from './helpers.js'

/*
 * stacks/district/index.ts as Pulumi runs it: config from the stack, the
 * inventory from LASTMILE_INVENTORY (set by `lastmile infra`), an explicit
 * provider for the configured kube context that every resource uses.
 */
const created: Array<{ type: string; name: string; provider?: string | undefined; inputs: Record<string, unknown> }> = []
const savedInventory = process.env.LASTMILE_INVENTORY

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (a) => {
        created.push({ type: a.type, name: a.name, provider: a.provider, inputs: a.inputs as Record<string, unknown> })
        return { id: `${a.name}-id`, state: a.inputs }
      },
      call: (a) => a.inputs as Record<string, unknown>,
    },
    'lastmile-district',
    'lab',
    true,
  )
  pulumi.runtime.setAllConfig({ 'lastmile-district:kubeContext': 'kind-lastmile-lab', 'lastmile-district:hub': JSON.stringify({ endpoint: '127.0.0.1:31820', serviceType: 'NodePort' }) })
  process.env.LASTMILE_INVENTORY = MINI
})

afterAll(() => {
  if (savedInventory === undefined) delete process.env.LASTMILE_INVENTORY
  else process.env.LASTMILE_INVENTORY = savedInventory
})

it('runs the stack entry: outputs from config and inventory, every resource through the configured kube context', async () => {
  const entry = (await import('../../stacks/district/index.js')) as { default: () => Promise<{ hubEndpoint: pulumi.Output<string>; stationCount: number }> }
  const outputs = await entry.default()
  expect(await new Promise((r) => outputs.hubEndpoint.apply(r))).toBe('127.0.0.1:31820')
  expect(outputs.stationCount).toBe(2)
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs()

  const provider = created.find((r) => r.type === 'pulumi:providers:kubernetes')
  expect(provider?.inputs.context).toBe('kind-lastmile-lab')
  const k8s = created.filter((r) => r.type.startsWith('kubernetes:'))
  expect(k8s.length).toBeGreaterThan(30)
  for (const r of k8s) expect(r.provider, `${r.name} uses the stack's provider`).toMatch(/::pulumi:providers:kubernetes::kubernetes::/)
})
