/** What a kernel no table covers is charged: its roofline (default profile), and FP8-KV decode attention from a table without FP8-KV rows. */
import {describe, expect, it} from 'vitest'
import {loadSimInputs} from '../../src/io/inputs.js'
import {DEFAULT_DEPLOYMENT, type Deployment} from '../../src/sim/deployment.js'
import {simulate} from '../../src/sim/simulate.js'
import type {TableSet} from '../../src/tables/types.js'

/** The same tables without those under `hidden`, as a GPU whose collection lacks them (none left to borrow from). */
const without = (tables: TableSet, hidden: string): TableSet => ({
  root: tables.root,
  get: (p) => (p.startsWith(hidden) ? undefined : tables.get(p)),
  has: (p) => !p.startsWith(hidden) && tables.has(p),
  paths: () => tables.paths().filter((p) => !p.startsWith(hidden)),
})

const decode: Deployment = {...DEFAULT_DEPLOYMENT, worldSize: 1, tp: 1, decodeBatch: 32, isl: 2048, osl: 4096, mode: 'decode'}

function attentionCore(model: string, gpu: string, profile: 'default' | 'infersim', d: Partial<Deployment>, hidden?: string) {
  const inputs = loadSimInputs({model, gpu, profile})
  const tables = hidden ? without(inputs.tables, hidden) : inputs.tables
  const r = simulate(inputs.model, {...decode, ...d}, inputs.gpu, tables, inputs.profile)
  return {step: r.decode!.steps.find((s) => s.id === 'attn-core')!, warnings: r.warnings}
}

describe('kernels no table covers', () => {
  it('a decode attention core without a table of its GPU is charged its roofline, near what the measured table says', () => {
    // Llama-3.1-70B on one H200: 64 query and 8 KV heads of 128, 32 requests at 2048 + 4096 / 2 = 4096 keys.
    const measured = attentionCore('llama-3.1-70b', 'H200-SXM', 'default', {}).step
    const missing = attentionCore('llama-3.1-70b', 'H200-SXM', 'default', {}, 'mha/decode/h200-sxm/')
    expect(missing.step.mfu?.kind).toBe('fallback')
    // Its KV cache: 32 x 4096 keys x 8 heads x 128 x (K and V) x 2 bytes = 268 MB a layer, at H200's 4.8 TB/s x 0.8, over the default efficiency 0.7.
    const kvBytes = 32 * 4096 * 8 * 128 * 2 * 2
    expect(missing.step.seconds).toBeGreaterThanOrEqual(kvBytes / 1024 ** 3 / (4800 * 0.8) / 0.7)
    // Over every measured grouped-query decode row of H200 (8+ requests, 1K+ keys, 64 MB+ of KV) the roofline lands at a median 1.22x
    // the measured time (10th-90th percentile 0.79-1.47x); the default MFU on the FLOPs at a median 0.018x.
    const ratio = missing.step.seconds / measured.seconds
    expect(ratio).toBeGreaterThan(0.7)
    expect(ratio).toBeLessThan(2)
    expect(missing.warnings.some((w) => /64-8-128\.csv does not exist; roofline estimate at default efficiency 0\.7/.test(w.message))).toBe(true)
  })

  it('FP8-KV decode attention from a table without FP8-KV rows is charged its BF16 rows (A100), not the default MFU', () => {
    const bf16 = attentionCore('llama-3.1-70b', 'A100-SXM', 'default', {fp8Kv: false}).step
    const fp8 = attentionCore('llama-3.1-70b', 'A100-SXM', 'default', {fp8Kv: true})
    expect(fp8.step.seconds).toBe(bf16.seconds)
    expect(fp8.step.mfu?.kind).not.toBe('fallback')
    expect(fp8.warnings.some((w) => w.code === 'fp8-kv-rows-missing')).toBe(true)
    // An engine whose kernel reads FP8 at its BF16 pace (TensorRT-LLM) takes half of it, no less than the FP8 bytes.
    const trt = attentionCore('llama-3.1-70b', 'A100-SXM', 'default', {fp8Kv: true, fp8KvDecode: 'bf16-bandwidth'}).step
    expect(trt.seconds).toBeCloseTo(Math.max(bf16.seconds / 2, trt.memorySeconds!), 12)
    // A head layout A100 did not measure (Mixtral-8x22B at tp 8: 6 query heads, 1 KV head) borrows the BF16 rows of its neighbour as a BF16 cache would.
    const tp8 = {worldSize: 8, tp: 8}
    const borrowedBf16 = attentionCore('mixtral-8x22b', 'A100-SXM', 'default', {...tp8, fp8Kv: false}).step
    const borrowedFp8 = attentionCore('mixtral-8x22b', 'A100-SXM', 'default', {...tp8, fp8Kv: true}).step
    expect(borrowedBf16.mfu?.kind).toBe('borrowed')
    expect(borrowedFp8.seconds).toBe(borrowedBf16.seconds)
    // The compat profile keeps the reference's reading: the GPU's default MFU.
    const compat = attentionCore('llama-3.1-70b', 'A100-SXM', 'infersim', {fp8Kv: true}).step
    expect(compat.mfu?.kind).toBe('fallback')
    expect(compat.mfu?.value).toBe(0.78)
  })
})
