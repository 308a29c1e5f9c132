/** A GPU without measured tables reads its tablesFrom GPU's, carried by their utilisation of the roofline. */
import {describe, expect, it} from 'vitest'
import {loadSimInputs} from '../../src/io/inputs.js'
import {loadGpus} from '../../src/io/gpus.js'
import {findGpu} from '../../src/hardware/gpu.js'
import {DEFAULT_DEPLOYMENT} from '../../src/sim/deployment.js'
import {simulate} from '../../src/sim/simulate.js'
import {carriedMfu, donorPeak, sameLinks} from '../../src/tables/donor.js'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {runCli} from '../helpers/cli.js'

const decode = (gpu: string | object) => {
  const i = loadSimInputs({model: 'llama-3.1-70b', gpu: gpu as string, profile: 'default'})
  const r = simulate(i.model, {...DEFAULT_DEPLOYMENT, worldSize: 8, tp: 8, fp8Gemm: true, decodeBatch: 64, isl: 2048, osl: 512}, i.gpu, i.tables, i.profile)
  return {r, step: (id: string) => r.decode!.steps.find((s) => s.id === id)!}
}

describe('carrying a donor GPU figure to another GPU', () => {
  it('keeps the utilisation of the roofline', () => {
    // Memory-bound: 1 GFLOP and 1 GiB; at MFU 0.001 of 1,000 TFLOP/s the donor takes 1 ms against its 0.5 ms
    // roofline (2,000 GiB/s): utilisation 0.5. At 1,000 GiB/s the roofline is 1 ms, so 2 ms: MFU 0.0005.
    expect(carriedMfu(0.001, {flops: 1e9, bytes: 1024 ** 3, peakTflops: 1000}, {peak: 1000, memBw: 2000}, {memBw: 1000})).toBeCloseTo(0.0005, 12)
    // Compute-bound on both: the MFU stays, whatever the peaks (0.6 of 2,000 TFLOP/s carried to a 500 TFLOP/s GPU).
    expect(carriedMfu(0.6, {flops: 1e15, bytes: 1, peakTflops: 500}, {peak: 2000, memBw: 2000}, {memBw: 1000})).toBeCloseTo(0.6, 12)
  })

  it("reads the donor's peak of the same dtype", () => {
    const gpus = loadGpus()
    const pcie = findGpu(gpus, 'H100-PCIe')!
    const sxm = findGpu(gpus, 'H100-SXM')!
    // Datasheet dense peaks: FP8 1,513 (PCIe) and 1,978 (SXM); BF16 756.5 and 989.
    expect(donorPeak(pcie, sxm, 1513)).toBe(1978)
    expect(donorPeak(pcie, sxm, 756.5)).toBe(989)
    expect(pcie.tableDonor?.name).toBe('H100-SXM')
  })
})

describe('a GPU with tablesFrom', () => {
  it("times B300's kernels by B200's tables: the same peaks, 8.0 against 7.7 TB/s", () => {
    const b300 = decode('B300')
    const b200 = decode('B200-SXM')
    const ffn = b300.step('ffn')
    expect(ffn.mfu!.kind).toBe('borrowed')
    expect(ffn.mfu!.table).toBe('gemm/b200-sxm/data.csv')
    // Memory-bound on both: the time scales by the bandwidths, 7,700 / 8,000.
    expect(ffn.bound).toBe('memory')
    expect(ffn.seconds / b200.step('ffn').seconds).toBeCloseTo(7700 / 8000, 6)
    expect(b300.step('attn-core').mfu!.table).toBe('mha/decode/b200-sxm/8-1-128.csv')
    // The same NVLink (1.8 TB/s, 8 GPUs a node): B200's all-reduce, as measured.
    expect(b300.step('comm-before').source!.table).toBe('comm/b200-sxm/allreduce.csv')
    expect(b300.step('comm-before').seconds).toBe(b200.step('comm-before').seconds)
    expect(b300.r.warnings.map((w) => w.code)).toContain('tables-from')
  })

  it("reads the donor's GDN kernels as measured, as every borrowed GDN figure is read (GDN has no MFU to carry)", () => {
    const run = (gpu: string) => {
      const i = loadSimInputs({model: 'qwen3.5-27b', gpu, profile: 'default'})
      const r = simulate(i.model, {...DEFAULT_DEPLOYMENT, worldSize: 1, tp: 1, decodeBatch: 8, isl: 2048, osl: 512}, i.gpu, i.tables, i.profile)
      return r.prefill!.steps.find((x) => x.id === 'linear-core')!
    }
    const b300 = run('B300')
    expect(b300.mfu!.table).toMatch(/^gdn\/prefill\/b200-sxm\//)
    expect(b300.seconds).toBe(run('B200-SXM').seconds)
  })

  it("takes the donor's path where only the donor has the table: sliding-window prompts, the DSA indexer", () => {
    const prefill = (model: string, gpu: string, isl: number) => {
      const i = loadSimInputs({model, gpu, profile: 'default'})
      const r = simulate(i.model, {...DEFAULT_DEPLOYMENT, mode: 'prefill', worldSize: 1, tp: 1, isl, osl: 2, maxPrefillTokens: isl}, i.gpu, i.tables, i.profile)
      return (id: string) => r.prefill!.steps.find((s) => s.id === id)!
    }
    // gpt-oss's 128-token window layers: B200 has the measured window kernel (64-8-64-w128); B300 read the
    // full causal core before, 8,192 tokens against 128. Compute-bound, and the same BF16 peak (2,250 TFLOP/s):
    // the same time as B200's.
    const b300 = prefill('gpt-oss-120b', 'B300', 8192)('attn-core-window')
    const b200 = prefill('gpt-oss-120b', 'B200-SXM', 8192)('attn-core-window')
    expect(b200.mfu!.table).toBe('mha/prefill/b200-sxm/64-8-64-w128.csv')
    expect(b300.mfu).toMatchObject({kind: 'borrowed', table: 'mha/prefill/b200-sxm/64-8-64-w128.csv'})
    expect(b300.bound).toBe('compute')
    expect(b300.seconds).toBeCloseTo(b200.seconds, 12)
    // GLM-5's indexer logits on H100 PCIe: H100 SXM has no DSA table at this shape and times it as a GEMM;
    // the PCIe card now borrows that GEMM too, where it fell back to the roofline.
    const pcie = prefill('glm-5', 'H100-PCIe', 1024)('dsa-indexer')
    expect(pcie.mfu!.kind).toBe('borrowed')
    expect(pcie.mfu!.table).toMatch(/^gemm\/h100-sxm\//)
  })

  it("reads every step from the table its donor reads (B300 from B200, H100 PCIe and NVL from H100 SXM)", () => {
    const steps = (model: string, gpu: string, tp: number, mode: 'prefill' | 'decode') => {
      const i = loadSimInputs({model, gpu, profile: 'default'})
      const d = {...DEFAULT_DEPLOYMENT, mode, worldSize: tp, tp, fp8Gemm: true, fp8Kv: true, isl: 8192, osl: 512, decodeBatch: 64, maxPrefillTokens: 8192}
      const r = simulate(i.model, d, i.gpu, i.tables, i.profile)
      return (mode === 'prefill' ? r.prefill! : r.decode!).steps
    }
    const differ: string[] = []
    for (const [gpu, donor] of [['B300', 'B200-SXM'], ['H100-PCIe', 'H100-SXM'], ['H100-NVL', 'H100-SXM']])
      for (const model of ['gpt-oss-120b', 'glm-5', 'qwen3.5-27b', 'deepseek-v3', 'llama-3.1-70b'])
        for (const tp of [1, 8])
          for (const mode of ['prefill', 'decode'] as const) {
            const theirs = steps(model, donor, tp, mode)
            for (const s of steps(model, gpu, tp, mode)) {
              const t = theirs.find((x) => x.id === s.id)!
              if (s.mfu?.table !== t.mfu?.table || (s.mfu?.kind === 'fallback') !== (t.mfu?.kind === 'fallback')) differ.push(`${gpu} ${model} tp ${tp} ${mode} ${s.id}: ${s.mfu?.table} against ${t.mfu?.table}`)
            }
          }
    expect(differ).toEqual([])
  })

  it('borrows no collectives over other links, and without tablesFrom falls back as before', () => {
    const pcie = decode('H100-PCIe')
    expect(pcie.step('ffn').mfu!.table).toBe('gemm/h100-sxm/data.csv')
    // PCIe links, not NVLink: the bandwidth formula, no table.
    expect(pcie.step('comm-before').source).toBeUndefined()
    const gpus = loadGpus()
    expect(sameLinks(findGpu(gpus, 'H100-PCIe')!, findGpu(gpus, 'H100-SXM')!)).toBe(false)
    const {tableDonor, tablesFrom, ...own} = findGpu(gpus, 'B300')!
    expect(tablesFrom).toBe('B200-SXM')
    expect(decode({...own, name: 'B300-own'}).step('ffn').mfu!.kind).toBe('fallback')
  })

  it('a tablesFrom that names no known GPU is a usage error that names it', () => {
    const {tableDonor, ...b300} = findGpu(loadGpus(), 'B300')!
    expect(() => decode({...b300, name: 'X1', tablesFrom: 'Z9'})).toThrow(/GPU "X1": tablesFrom names "Z9", which is not a known GPU/)
  })

  it("a --gpu-spec file's tablesFrom that names no GPU: the file and the entry in the message, exit 2, the file unchanged", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'infersim-donor-'))
    const file = path.join(dir, 'gpus.json')
    const {tableDonor, ...b300} = findGpu(loadGpus(), 'B300')!
    const text = JSON.stringify({gpus: [{...b300, name: 'MyGPU', aliases: [], tablesFrom: 'H999'}]})
    writeFileSync(file, text)
    const r = await runCli(['simulate', '--model', 'qwen3-8b', '--gpu', 'MyGPU', '--gpu-spec', file])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/GPU file .*gpus\.json: GPU "MyGPU": tablesFrom names "H999", which is not a known GPU/)
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/)
    expect(readFileSync(file, 'utf8')).toBe(text)
  })
})
