import { describe, expect, it } from 'vitest'
import { outputsFromInventory, outputsFromStack, StackOutputsError } from '../../src/cloud/outputs.js'
import { MINI, load } from './helpers.js'

const stack = {
  hubEndpoint: 'hub.prod.example.cn:51820',
  hubPublicKey: 'Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789+/abcd=',
  portalUrl: 'https://portal.prod.example.cn/',
  monitoringAddress: '10.100.30.99',
  stationCount: 152,
}

describe('outputsFromStack', () => {
  it('maps the stack outputs to CloudOutputs, the rest from the inventory', async () => {
    const inv = await load(MINI)
    const out = outputsFromStack(stack, inv)
    const base = outputsFromInventory(inv)
    expect(out).toEqual({
      ...base,
      source: 'pulumi-stack',
      hub: { ...base.hub, endpoint: stack.hubEndpoint, publicKey: stack.hubPublicKey },
      portal: { address: base.portal.address, url: stack.portalUrl },
      monitoring: { address: stack.monitoringAddress },
    })
    // The shape stations consume does not change.
    expect(Object.keys(out).sort()).toEqual(Object.keys(base).sort())
  })

  it("accepts the Automation API's {value, secret} form", async () => {
    const inv = await load(MINI)
    const wrapped = Object.fromEntries(Object.entries(stack).map(([k, v]) => [k, { value: v, secret: false }]))
    expect(outputsFromStack(wrapped, inv).hub.endpoint).toBe(stack.hubEndpoint)
  })

  it('names the outputs a stack is missing (never deployed, or masked)', async () => {
    const inv = await load(MINI)
    const err = (() => {
      try {
        outputsFromStack({ hubEndpoint: stack.hubEndpoint, hubPublicKey: '[secret]' }, inv)
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(err).toBeInstanceOf(StackOutputsError)
    expect((err as StackOutputsError).missing).toEqual(['hubPublicKey', 'portalUrl', 'monitoringAddress'])
  })
})
