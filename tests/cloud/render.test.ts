import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { defaultCloudConfig } from '../../src/cloud/config.js'
import { desiredState, validateDesired, type K8sObject } from '../../src/cloud/desired/index.js'
import { infraRender } from '../../src/cloud/infra-render.js'
import { renderFiles } from '../../src/cloud/render.js'
import { STAMP_FILE } from '../../src/cloud/render-stamp.js'
import { readStackFile } from '../../src/cloud/stack-config.js'
import { InvalidInputError, UsageError } from '../../src/cli/errors.js'
import { INVENTORIES, MINI, labSecretValues, load, secretRefs } from './helpers.js'

const tmp = (): Promise<string> => mkdtemp(path.join(tmpdir(), 'lastmile-cloud-'))

describe.each(INVENTORIES)('rendering $name', ({ dir }) => {
  it('writes system.yaml and one town-<slug>.yaml per town, every object valid, in a stable order', async () => {
    const inv = await load(dir)
    const out = await tmp()
    const r = await infraRender({ stack: 'prod', inventory: inv, out })
    expect((await readdir(out)).sort()).toEqual([STAMP_FILE, 'system.yaml', ...inv.towns.map((t) => `town-${t.slug}.yaml`)].sort())

    const all: K8sObject[] = []
    for (const f of r.files) {
      const text = await readFile(path.join(out, f.file), 'utf8')
      const docs = parseAllDocuments(text).map((d) => d.toJS() as K8sObject)
      expect(docs).toHaveLength(f.objects)
      if (f.file !== 'system.yaml') {
        const ns = f.file.replace(/\.yaml$/, '')
        expect(docs[0]).toMatchObject({ kind: 'Namespace', metadata: { name: ns } })
        expect(docs.slice(1).every((d) => d.metadata.namespace === ns)).toBe(true)
      }
      all.push(...docs)
    }
    expect(all).toHaveLength(r.objects)
    expect(validateDesired(all)).toEqual([])

    // Same input, same bytes.
    const again = renderFiles(desiredState(inv, (await readStackFile('prod')).config))
    expect(again.map((f) => f.sha256)).toEqual(r.files.map((f) => f.sha256))
  })

  it('never writes a secret value: the lab values of every secret ref appear nowhere', async () => {
    const inv = await load(dir)
    const refs = secretRefs(inv)
    expect(refs.length).toBeGreaterThan(0)
    const values = await labSecretValues([...refs, ...refs.map((r) => `${r}.pub`), 'wireguard/hub'])
    for (const stack of ['prod', 'lab']) {
      const out = await tmp()
      await infraRender({ stack, inventory: inv, out })
      for (const file of (await readdir(out)).filter((f) => f !== STAMP_FILE)) {
        const text = await readFile(path.join(out, file), 'utf8')
        for (const v of values) expect(text.includes(v), `${stack}/${file} contains a lab secret value`).toBe(false)
        for (const doc of parseAllDocuments(text).map((d) => d.toJS() as K8sObject)) {
          if (doc.kind === 'Secret') expect([doc.data, doc.stringData]).toEqual([undefined, undefined])
        }
      }
    }
  })
})

describe('infra render', () => {
  it('uses ExternalSecrets for prod (secret store configured) and placeholders for lab', async () => {
    const prod = await tmp()
    await infraRender({ stack: 'prod', inventoryDir: MINI, out: prod })
    const prodText = await readFile(path.join(prod, 'system.yaml'), 'utf8')
    expect(prodText).toContain('kind: ExternalSecret')
    expect(prodText).not.toMatch(/^kind: Secret$/m)
    const lab = await tmp()
    await infraRender({ stack: 'lab', inventoryDir: MINI, out: lab })
    const labText = await readFile(path.join(lab, 'system.yaml'), 'utf8')
    expect(labText).toMatch(/^kind: Secret$/m)
    expect(labText).not.toContain('ExternalSecret')
    expect(labText).toContain('nodePort: 31820')
  })

  it('removes the file of a town that is no longer in the inventory, and leaves other files alone', async () => {
    const out = await tmp()
    await infraRender({ stack: 'lab', inventoryDir: MINI, out })
    // An earlier render of a town that has left the inventory since.
    await writeFile(path.join(out, 'town-gone.yaml'), (await readFile(path.join(out, 'town-fengcheng.yaml'), 'utf8')).replaceAll('fengcheng', 'gone'))
    await writeFile(path.join(out, 'README.md'), 'kept\n')
    const r = await infraRender({ stack: 'lab', inventoryDir: MINI, out })
    expect(r.removed).toEqual(['town-gone.yaml'])
    expect((await readdir(out)).sort()).toEqual([STAMP_FILE, 'README.md', 'system.yaml', 'town-feilaixia.yaml', 'town-fengcheng.yaml'].sort())
  })

  it('never deletes or overwrites a file it did not write, even when its name looks like one of its own (exit 2, nothing written)', async () => {
    const out = await tmp()
    await writeFile(path.join(out, 'town-handmade.yaml'), 'apiVersion: v1\nkind: ConfigMap\n')
    const err = await infraRender({ stack: 'lab', inventoryDir: MINI, out }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UsageError)
    expect((err as UsageError).message).toContain('town-handmade.yaml')
    expect(await readFile(path.join(out, 'town-handmade.yaml'), 'utf8')).toBe('apiVersion: v1\nkind: ConfigMap\n')
    expect(await readdir(out)).toEqual(['town-handmade.yaml'])

    const out2 = await tmp()
    await writeFile(path.join(out2, 'system.yaml'), '# our own cluster setup\n')
    const err2 = await infraRender({ stack: 'lab', inventoryDir: MINI, out: out2 }).catch((e: unknown) => e)
    expect(err2).toBeInstanceOf(UsageError)
    expect(await readFile(path.join(out2, 'system.yaml'), 'utf8')).toBe('# our own cluster setup\n')
  })

  it('names the known stacks when the stack does not exist (exit 2)', async () => {
    const err = await infraRender({ stack: 'staging', inventoryDir: MINI, out: await tmp() }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UsageError)
    expect((err as UsageError).exitCode).toBe(2)
    expect((err as UsageError).hint).toContain('--stack lab')
    expect((err as UsageError).hint).toContain('--stack prod')
  })

  it('reports a bad stack config with file:line and the field (exit 3)', async () => {
    const root = await tmp()
    await import('node:fs/promises').then((fs) => fs.mkdir(path.join(root, 'stacks', 'district'), { recursive: true }))
    await writeFile(path.join(root, 'stacks', 'district', 'Pulumi.bad.yaml'), 'config:\n  lastmile-district:hub:\n    serviceType: ClusterIP\n  lastmile-district:images:\n    portal: example.cn/portal:latest\n')
    const err = await infraRender({ stack: 'bad', inventoryDir: MINI, out: await tmp(), root }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InvalidInputError)
    const problems = (err as InvalidInputError).problems
    expect(problems.map((p) => p.field).sort()).toEqual(['lastmile-district:hub.serviceType', 'lastmile-district:images.portal'])
    expect(problems.find((p) => p.field === 'lastmile-district:hub.serviceType')?.position).toMatchObject({ line: 3 })
  })

  it('reads the stack config of both checked-in stacks', async () => {
    const prod = await readStackFile('prod')
    expect(prod.config).toMatchObject({ inventory: 'inventory/qingcheng', kubeContext: expect.any(String) as string, hub: { serviceType: 'LoadBalancer' }, secretStore: { name: 'qingcheng-vault' } })
    const lab = await readStackFile('lab')
    expect(lab.config).toMatchObject({ hub: { serviceType: 'NodePort', nodePort: 31820 } })
    expect(lab.config.secretStore).toBeUndefined()
    expect(defaultCloudConfig().images.wireguard).toMatch(/:[0-9]/)
  })
})
