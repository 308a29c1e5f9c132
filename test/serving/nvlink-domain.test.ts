/** How a serving row's attention is laid out: tensor-parallel within an NVLink domain, data-parallel beyond it. */
import {describe, expect, it} from 'vitest'
import {servingRun} from '../../src/calibrate/serving.js'
import {findGpu} from '../../src/hardware/gpu.js'
import {loadGpus} from '../../src/io/gpus.js'
import {loadModel} from '../../src/io/models.js'
import type {MeasurementRow} from '../../src/calibrate/types.js'

const gpus = loadGpus()
const gpu = (name: string) => findGpu(gpus, name)!
const llama70 = loadModel('llama-3.1-70b', {publishedConfigs: true})

/** A serving row of Llama-3.1-70B (64 heads) at tp `tp` on `gpuName`, 64 clients. */
function row(gpuName: string, tp: number): MeasurementRow {
  return {
    id: `r-${gpuName}-${tp}`, model: 'llama-3.1-70b', gpu: gpuName, world_size: tp, nodes: 1, tp, fp8_gemm: 0, fp8_kv: 0, deepep: 0, tbo: 0,
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

  it('runs attention data-parallel beyond 8 GPUs on GB200 NVL72 too (tp 16: 16 groups of 4 clients)', () => {
    const r = servingRun(row('GB200-NVL72', 16), llama70, gpu('GB200-NVL72'))
    expect(r.deployment.tp).toBe(1)
    expect(r.concurrency).toBe(4)
  })

  it('runs attention data-parallel where tp spans two 8-GPU nodes (H200), each GPU an attention group', () => {
    const r = servingRun(row('H200-SXM', 16), llama70, gpu('H200-SXM'))
    expect(r.deployment.tp).toBe(1)
    expect(r.concurrency).toBe(4)
    expect(r.notes.join(' ')).toMatch(/over tp 16, wider than the 8 GPUs attention runs tensor-parallel over on H200-SXM: run as data-parallel attention/)
  })
})
