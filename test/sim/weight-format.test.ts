/** 4-bit and shipped weight formats (issue 8): bytes, peaks, the tables they read, and clear refusals. */
import {describe, expect, it} from 'vitest'
import {loadSimInputs} from '../../src/io/inputs.js'
import {DEFAULT_DEPLOYMENT} from '../../src/sim/deployment.js'
import {simulate} from '../../src/sim/simulate.js'
import {runCli} from '../helpers/cli.js'

const run = (model: string, gpu: string, extra: Partial<typeof DEFAULT_DEPLOYMENT> = {}) => {
  const i = loadSimInputs({model, gpu, profile: 'default'})
  return simulate(i.model, {...DEFAULT_DEPLOYMENT, worldSize: 8, tp: 8, decodeBatch: 64, ...extra}, i.gpu, i.tables, i.profile)
}
const step = (r: ReturnType<typeof run>, id: string) => r.decode!.steps.find((s) => s.id === id)!

describe('weight formats', () => {
  it('a checkpoint that ships fp8 runs fp8 GEMMs in the default profile', () => {
    const r = run('llama-3.1-70b-fp8', 'H100-SXM')
    expect(r.weightFormat).toMatchObject({format: 'fp8', reason: 'shipped', fp8Gemm: true})
  })

  it('int4 weight-only halves the expert bytes of fp8 and reads the int4 MoE table', () => {
    const int4 = run('qwen3-235b-a22b', 'H100-SXM', {weightFormat: 'int4'})
    const fp8 = run('qwen3-235b-a22b', 'H100-SXM', {weightFormat: 'fp8'})
    expect(int4.weights.expertBytes).toBe(fp8.weights.expertBytes / 2)
    expect(step(int4, 'ffn').mfu!.table).toBe('grouped_gemm/decode/h100-sxm/int4.csv')
    expect(int4.weightFormat.gemmPeak).toBe(int4.inputs.gpu.fp16Tflops)
  })

  it('nvfp4 on Blackwell runs at the fp4 peak with the nvfp4 GEMM table', () => {
    const r = run('llama-3.1-70b', 'B200-SXM', {weightFormat: 'nvfp4'})
    expect(r.weightFormat.gemmPeak).toBe(r.inputs.gpu.fp4Tflops)
    expect(step(r, 'qkv-proj').mfu!.table).toBe('gemm/b200-sxm/nvfp4.csv')
  })

  it("nvfp4 DeepSeek keeps its MLA attention in BF16, as NVIDIA's NVFP4 recipe for it leaves the attention unquantized", () => {
    const fp4 = run('deepseek-r1', 'B200-SXM', {weightFormat: 'nvfp4', moeEp: 8})
    const fp8 = run('deepseek-r1', 'B200-SXM', {weightFormat: 'fp8', moeEp: 8})
    // Attention weights at 2 bytes each against FP8's 1; the experts at half a byte against FP8's 1.
    expect(fp4.weights.attentionBytes).toBe(2 * fp8.weights.attentionBytes)
    expect(fp4.weights.expertBytes).toBe(fp8.weights.expertBytes / 2)
    expect(fp4.weightFormat.attention).toMatchObject({bits: 16, tableDtype: 'bf16', gemmPeak: fp4.inputs.gpu.fp16Tflops})
    for (const id of ['q-down-proj', 'q-up-proj', 'kv-down-proj', 'bmm-q-wk', 'bmm-o-wv', 'o-proj']) {
      const s = step(fp4, id)
      // The absorbed per-head matmuls read the BF16 batched-matmul table, the projections the BF16 GEMM rows.
      expect(s.mfu!.table, id).toBe(id.startsWith('bmm-') ? 'mla_bmm/b200-sxm/bf16.csv' : 'gemm/b200-sxm/bf16.csv')
      // The compute floor at the bf16 peak (2,250 TFLOP/s on B200), not the fp4 one.
      expect(s.computeFloorSeconds! * fp4.inputs.gpu.fp16Tflops * 1e12).toBeCloseTo(2 * (s.shape!.heads ?? 1) * s.shape!.m * s.shape!.k * s.shape!.n, 0)
    }
    expect(step(fp4, 'ffn').mfu!.table).toBe('grouped_gemm/decode/b200-sxm/nvfp4.csv')
    // NVIDIA's generic NVFP4 recipe quantizes every linear layer but the LM head: a GQA model's attention is 4-bit too.
    const llama = run('llama-3.1-70b', 'B200-SXM', {weightFormat: 'nvfp4'})
    expect(llama.weightFormat.attention).toBeUndefined()
    expect(llama.weights.attentionBytes).toBe(run('llama-3.1-70b', 'B200-SXM', {weightFormat: 'fp8'}).weights.attentionBytes / 2)
  })

  it('gpt-oss ships mxfp4: the 4-bit MoE table at the bf16 peak, on B200 as on H100', () => {
    for (const gpu of ['B200-SXM', 'H100-SXM']) {
      const r = run('gpt-oss-120b', gpu)
      expect(r.weightFormat.tableDtype).toBe('int4')
      expect(r.weightFormat.gemmPeak).toBe(r.inputs.gpu.fp16Tflops)
    }
    expect(step(run('gpt-oss-20b', 'B200-SXM'), 'ffn').mfu!.table).toBe('grouped_gemm/decode/b200-sxm/int4.csv')
  })

  it("gpt-oss's experts on Blackwell run the MXFP8-activation kernel, on Hopper the bf16-activation one", () => {
    // AIConfigurator's moe_perf, 128 experts, top-4, hidden and intermediate 2880, 8 tokens on one GPU:
    // B200 w4a8_mxfp4_mxfp8 0.086 ms (w4a16_mxfp4 0.114 ms), GB200 0.084 ms, H100 w4a16_mxfp4 0.576 ms.
    const ffnUs = (gpu: string) => step(run('gpt-oss-120b', gpu, {worldSize: 1, tp: 1, decodeBatch: 8}), 'ffn').seconds * 1e6
    expect(ffnUs('B200-SXM')).toBeCloseTo(86.3, 0)
    expect(ffnUs('GB200-NVL72')).toBeCloseTo(84.1, 0)
    expect(ffnUs('H100-SXM')).toBeCloseTo(576.1, 0)
  })

  it('nvfp4 on a GPU without FP4 tensor cores is a usage error that says why', async () => {
    const r = await runCli(['simulate', '--model', 'qwen3-8b', '--gpu', 'H100-SXM', '--weight-format', 'nvfp4'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/nvfp4 weights need FP4 tensor cores, and H100-SXM has none/)
  })
})
