/**
 * --nodes left out: the GPUs span as many nodes as their GPU's nodes need
 * (data/gpus.json gpusPerNode: 8 for an H100 or B200 server, 4 for a GB200
 * NVL72 tray), not one node of any size.
 */
import {describe, expect, it} from 'vitest'
import {defaultNodes} from '../../src/options/deployment.js'
import {runCli} from '../helpers/cli.js'

const json = async (args: string[]) => {
  const r = await runCli([...args, '--json'])
  expect(r.exitCode, r.stderr).toBe(0)
  return JSON.parse(r.stdout)
}

describe('nodes by default', () => {
  it('is the fewest nodes that hold the GPUs and divide them evenly', () => {
    expect(defaultNodes(1, {gpusPerNode: 8})).toBe(1)
    expect(defaultNodes(8, {gpusPerNode: 8})).toBe(1)
    expect(defaultNodes(16, {gpusPerNode: 8})).toBe(2)
    expect(defaultNodes(72, {gpusPerNode: 4})).toBe(18)
    // 20 GPUs on 8-GPU nodes: 3 nodes do not divide them, 4 of 5 do.
    expect(defaultNodes(20, {gpusPerNode: 8})).toBe(4)
    // A GPU spec without gpusPerNode: 8.
    expect(defaultNodes(32, {})).toBe(4)
  })

  it('DeepSeek-R1 over a GB200 NVL72 rack is 18 trays of 4, not one node of 72', async () => {
    const base = ['simulate', '-m', 'deepseek-r1', '--gpu', 'GB200-NVL72', '--tp', '1', '--world-size', '72', '--moe-ep', '72', '--weight-format', 'nvfp4', '--decode-only', '--decode-batch', '256']
    const left = await json(base)
    const trays = await json([...base, '--nodes', '18'])
    expect(left.deployment.nodes).toBe(18)
    expect(left.decode).toEqual(trays.decode)
    expect(left.warnings.map((w: {code: string}) => w.code)).not.toContain('gpus-per-node')
    // Given one node of 72, it is timed so (the MoE's tokens gathered to every GPU) and says what it assumed.
    const one = await json([...base, '--nodes', '1'])
    const warning = one.warnings.find((w: {code: string}) => w.code === 'gpus-per-node')
    expect(warning.message).toContain('72 GPUs per node, where a GB200-NVL72 node holds 4')
    expect(warning.message).toContain('give --nodes 18')
    expect(one.decode.latencyMs).toBeGreaterThan(left.decode.latencyMs)
  })

  it('16 H100s are two servers of 8', async () => {
    const r = await json(['simulate', '-m', 'qwen3-235b-a22b', '--gpu', 'H100-SXM', '--tp', '8', '--world-size', '16'])
    expect(r.deployment.nodes).toBe(2)
  })
})
