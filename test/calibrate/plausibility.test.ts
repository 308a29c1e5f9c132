/** Measured serving runs faster than their GPUs' kernels allow are named (src/calibrate/plausibility.ts). */
import {describe, expect, it} from 'vitest'
import {EvalEnvironment} from '../../src/calibrate/environment.js'
import {parseMeasurements} from '../../src/calibrate/measurements.js'
import {requiredPeakShare} from '../../src/calibrate/plausibility.js'
import {prepareRuns} from '../../src/calibrate/serving-fit.js'
import {getProfile} from '../../src/profile.js'
import {ROOT} from '../helpers/cli.js'

describe('requiredPeakShare', () => {
  it('is the request rate times the linear FLOPs of a request over the instance peak', () => {
    // 10 clients, 100 ms TTFT + 10 x 10 ms: 0.2 s a request, 50 requests/s; 2 x 1e9 x (989 + 11) + 2 x 1e8 x 11 = 2.0022e12 FLOPs each:
    // 1.0011e14 FLOP/s of a 1 PFLOP/s GPU
    const w = {concurrency: 10, ttftMs: 100, tpotMs: 10, isl: 989, osl: 11, layerParams: 1e9, lmHeadParams: 1e8, gpus: 1, peakTflops: 1000}
    expect(requiredPeakShare(w)).toBeCloseTo(0.10011, 12)
    // the same work over two GPUs needs half the share of each
    expect(requiredPeakShare({...w, gpus: 2})).toBeCloseTo(0.050055, 12)
  })
})

describe('prepareRuns names runs faster than the kernels allow', () => {
  const head = 'id,model,gpu,world_size,nodes,tp,fp8_gemm,fp8_kv,deepep,tbo,isl,osl,phase,max_prefill_tokens,decode_batch,metric,actual,source,notes,moe_tp,moe_ep,backend,backend_version'
  // vLLM's Llama-3.1-8B FP8 on one H200 at 2,000 tokens in, 100 out and 64 clients, as measured (TTFT 122 ms, TPOT 9.74 ms),
  // and a run of 32 clients at twice that TPOT (about what the model predicts): 23% of the peak
  const run = (id: string, clients: number, tpot: number) => [
    `${id}-ttft,llama-3.1-8b,H200-SXM,1,1,1,1,0,0,0,2000,100,serving,,${clients},ttft_ms,122,test,,1,1,vllm,0.12.0`,
    `${id}-tpot,llama-3.1-8b,H200-SXM,1,1,1,1,0,0,0,2000,100,serving,,${clients},tpot_ms,${tpot},test,,1,1,vllm,0.12.0`,
  ]
  const text = [head, ...run('FAST', 64, 9.74), ...run('PLAUSIBLE', 32, 19.5)].join('\n')
  const {rows} = parseMeasurements(text, 'test.csv', ROOT)
  const {runs, implausible} = prepareRuns(rows, new EvalEnvironment(), getProfile('default'))

  it('flags the measured run: its linear layers alone would need 88% of the dense FP8 peak, the table reaches 75%', () => {
    // 64 / (0.122 + 99 x 0.00974) = 58.9 requests/s x (2 x 6.98e9 x 2,100 + 2 x 5.25e8 x 100) FLOPs = 1.733 PFLOP/s, 87.6% of the H200's 1.978
    // (Llama-3.1-8B: 8.03e9 parameters less 2 x 128,256 x 4,096 of embeddings; LM head 128,256 x 4,096)
    expect(implausible).toHaveLength(1)
    expect(implausible[0]).toMatch(/^run FAST: at its measured rate its linear layers alone need 88% of the GPUs' dense peak, more than the best MFU in gemm\/h200-sxm\/data\.csv \(75%\)/)
  })

  it('keeps both runs in the fit', () => {
    expect(runs.map((r) => r.ttft?.id)).toEqual(['FAST-ttft', 'PLAUSIBLE-ttft'])
  })
})
