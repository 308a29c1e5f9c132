/**
 * How a serving row's attention is laid out: tensor-parallel within an NVLink domain; beyond it,
 * data-parallel in a MoE model, and still tensor-parallel (across nodes) in a dense one.
 */
import {describe, expect, it} from 'vitest'
import {servingRun} from '../../src/calibrate/serving.js'
import {findGpu} from '../../src/hardware/gpu.js'
import {loadGpus} from '../../src/io/gpus.js'
import {loadModel} from '../../src/io/models.js'
import type {MeasurementRow} from '../../src/calibrate/types.js'

const gpus = loadGpus()
const gpu = (name: string) => findGpu(gpus, name)!
const llama70 = loadModel('llama-3.1-70b', {publishedConfigs: true})
const qwen235 = loadModel('qwen3-235b-a22b', {publishedConfigs: true})

/** A serving row of Llama-3.1-70B (64 heads) at tp `tp` on `gpuName`, 64 clients. */
function row(gpuName: string, tp: number, nodes = 1): MeasurementRow {
  return {
    id: `r-${gpuName}-${tp}`, model: 'llama-3.1-70b', gpu: gpuName, world_size: tp, nodes, tp, fp8_gemm: 0, fp8_kv: 0, deepep: 0, tbo: 0,
    isl: 1024, osl: 1024, phase: 'serving', max_prefill_tokens: null, decode_batch: 64, metric: 'tpot_ms', actual: 20,
    source: 'test', notes: '', file: 'test.csv', line: 2, baseDir: '.', extra: {},
  } as unknown as MeasurementRow
}

describe('servingRun', () => {
  it('keeps tp 8 on GB200 NVL72: its rack is one NVLink domain of 72 GPUs, though a tray holds 4', () => {
    expect(gpu('GB200-NVL72').gpusPerNode).toBe(4)
    expect(gpu('GB200-NVL72').nvlinkDomain).toBe(72)
    const r = servingRun(row('GB200-NVL72', 8), llama70, gpu('GB200-NVL72'))
    expect(r.deployment.tp).toBe(8)
    expect(r.concurrency).toBe(64)
    expect(r.notes).toEqual([])
  })

  it("runs a MoE model's attention data-parallel beyond 8 GPUs on GB200 NVL72 (tp 16: 16 groups of 4 clients)", () => {
    const r = servingRun(row('GB200-NVL72', 16), qwen235, gpu('GB200-NVL72'))
    expect(qwen235.attention.heads).toBe(64)
    expect(r.deployment.tp).toBe(1)
    expect(r.concurrency).toBe(4)
  })

  it("runs a MoE model's attention data-parallel where tp spans two 8-GPU nodes (H200), each GPU an attention group", () => {
    const r = servingRun(row('H200-SXM', 16, 2), qwen235, gpu('H200-SXM'))
    expect(r.deployment.tp).toBe(1)
    expect(r.concurrency).toBe(4)
    expect(r.notes.join(' ')).toMatch(/over tp 16, wider than the 8 GPUs attention runs tensor-parallel over on H200-SXM: run as data-parallel attention/)
  })

  // Data-parallel attention would leave each GPU the whole of a dense model's attention (Llama-3.1-405B:
  // 68 GB of FP8 attention weights a GPU); vLLM, SGLang and TensorRT-LLM run a dense model's tp over nodes.
  it('keeps a dense model tensor-parallel where tp spans two 8-GPU nodes (H200): one group of all 64 clients over 2 nodes', () => {
    const r = servingRun(row('H200-SXM', 16, 2), llama70, gpu('H200-SXM'))
    expect(r.deployment.tp).toBe(16)
    expect(r.deployment.nodes).toBe(2)
    expect(r.concurrency).toBe(64)
    expect(r.notes.join(' ')).toMatch(/a dense model at tp 16: tensor-parallel over all 16 GPUs across 2 nodes/)
  })

  it('keeps a dense model tensor-parallel at tp 16 on GB200 NVL72, within its NVLink domain', () => {
    const r = servingRun(row('GB200-NVL72', 16), llama70, gpu('GB200-NVL72'))
    expect(r.deployment.tp).toBe(16)
    expect(r.concurrency).toBe(64)
    expect(r.notes.join(' ')).toMatch(/within GB200-NVL72's NVLink domain of 72/)
  })
})
