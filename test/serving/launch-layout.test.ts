/**
 * AIConfigurator run ids name the launch layout (`_tp8_ep8_`); some exports put
 * the product moe_tp x moe_ep in world_size and tp instead: of the 44 such
 * runs in AIConfigurator's H200 export, 30 repeat, to the last digit, runs
 * exported as 8 GPUs at tp 8, MoE EP 8.
 */
import {describe, expect, it} from 'vitest'
import {launchLayout, servingRun} from '../../src/calibrate/serving.js'
import {findGpu} from '../../src/hardware/gpu.js'
import {loadGpus} from '../../src/io/gpus.js'
import {loadModel} from '../../src/io/models.js'
import type {MeasurementRow} from '../../src/calibrate/types.js'

const h200 = findGpu(loadGpus(), 'H200-SXM')!
const deepseek = loadModel('deepseek-r1', {publishedConfigs: true})
const llama = loadModel('llama-3.1-70b', {publishedConfigs: true})

function row(id: string, world: number, tp: number, moeTp: string, moeEp: string, nodes = 1): MeasurementRow {
  return {
    id, model: 'deepseek-r1', gpu: 'H200-SXM', world_size: world, nodes, tp, fp8_gemm: 1, fp8_kv: 0, deepep: 0, tbo: 0,
    isl: 1024, osl: 1024, phase: 'serving', max_prefill_tokens: null, decode_batch: 32, metric: 'tpot_ms', actual: 20,
    source: 'test', notes: '', file: 'test.csv', line: 2, baseDir: '.', extra: {moe_tp: moeTp, moe_ep: moeEp, backend: 'trtllm'},
  } as MeasurementRow
}

describe('launchLayout', () => {
  it("reads the id's tp and ep where the columns hold their product", () => {
    const id = '2026_04_06_deepseek_r1_h200_sxm_trtllm_fp8_agg_1024x1024_c32_tp8_ep8_922-tpot'
    expect(launchLayout(row(id, 64, 64, '8', '8'), 8, 8, 8)).toEqual({tp: 8, ep: 8, from: 'id'})
  })

  it('reads moe_tp and moe_ep as the layout where the id names none', () => {
    expect(launchLayout(row('dsr1_h200_trtllm_fp8_agg_1024x1024_c64_cfg181-tpot', 64, 64, '8', '8'), 8, 8, 8)).toEqual({tp: 8, ep: 8, from: 'columns'})
  })

  it('leaves the columns alone where they are no such product, or the id names another layout', () => {
    expect(launchLayout(row('x_c32_tp8_ep8_1-tpot', 8, 8, '1', '8'), 1, 8, 8)).toBeUndefined()
    expect(launchLayout(row('x_c32_tp72_ep72_1-tpot', 72, 72, '1', '72'), 1, 72, 72)).toBeUndefined()
    expect(launchLayout(row('x_c32_tp8_ep8_1-tpot', 128, 64, '8', '8'), 8, 8, 8)).toBeUndefined()
    expect(launchLayout(row('x_c32_tp64_ep8_1-tpot', 64, 64, '8', '8'), 8, 8, 8)).toBeUndefined()
    // a real small product: TensorRT-LLM at tp 4 with MoE TP 2 x EP 2, with or without a layout in the id
    expect(launchLayout(row('openai_gpt_oss_120b_trtllm_agg_1024x1024_c64_tp4_epnone_1-tpot', 4, 4, '2', '2'), 2, 2, 8)).toBeUndefined()
    expect(launchLayout(row('gpt_oss_trtllm_agg_1024x1024_c64-tpot', 4, 4, '2', '2'), 2, 2, 8)).toBeUndefined()
  })
})

describe('servingRun with an exported product', () => {
  it('lays the run out as the id says, 8 GPUs at tp 8 and MoE EP 8, as the same figures exported as 8 GPUs are', () => {
    const exported = servingRun(row('r_c32_tp8_ep8_922-tpot', 64, 64, '8', '8', 8), deepseek, h200)
    const as8 = servingRun(row('r_c32_tp8_ep8_9-tpot', 8, 8, '1', '8'), deepseek, h200)
    for (const r of [exported, as8]) {
      expect(r.deployment).toMatchObject({worldSize: 8, tp: 8, nodes: 1, moeEp: 8})
      expect(r.concurrency).toBe(32)
    }
    expect(exported.notes.join(' ')).toMatch(/layout as the id says: 8 GPUs, tp 8, MoE EP 8 \(the columns say world_size 64, tp 64 = moe_tp 8 x moe_ep 8/)
    expect(as8.notes).toEqual([])
  })

  it('says where moe_tp x moe_ep covers fewer GPUs than the instance: the MoE runs over all of them at the same EP', () => {
    const r = servingRun(row('r_c32_1-tpot', 8, 8, '2', '2'), deepseek, h200)
    expect(r.deployment).toMatchObject({worldSize: 8, tp: 8, moeEp: 2})
    expect(r.notes.join(' ')).toMatch(/moe_tp 2 x moe_ep 2 covers 4 of the instance's 8 GPUs: the MoE is run over all 8, MoE EP 2 x MoE TP 4/)
  })

  it('says where moe_tp x moe_ep spans more GPUs than world_size: data-parallel attention groups sharing the MoE', () => {
    const r = servingRun(row('r_c8_tp1_epnone_2-tpot', 1, 1, '2', '1'), deepseek, h200)
    expect(r.deployment).toMatchObject({worldSize: 2, tp: 1})
    expect(r.concurrency).toBe(16)
    expect(r.notes.join(' ')).toMatch(/moe_tp 2 x moe_ep 1 spans 2 GPUs, more than world_size 1: an instance of 2 GPUs, its attention groups of tp 1 sharing the MoE/)
  })

  it('reads a dense model as its columns say (no MoE layout to multiply)', () => {
    const r = servingRun({...row('r_c32_tp8_ep8_1-tpot', 64, 64, '8', '8'), model: 'llama-3.1-70b'}, llama, h200)
    expect(r.deployment.worldSize).toBe(64)
  })
})
