/**
 * The engine file's fit.gpu_alone (each GPU's runs predicted by a fit on that
 * GPU alone) is checked like the rest of the file: a MAPE is a non-negative
 * number per GPU, and nothing else sits beside the two.
 */
import {describe, expect, it} from 'vitest'
import {bundledEngineFile as bundled, expectRefused, vllmFileRun} from '../helpers/engine-file.js'

describe("the engine file's gpu_alone", () => {
  it('is in every bundled engine file, one TTFT and TPOT MAPE per fitted GPU', () => {
    for (const engine of ['sglang', 'trtllm', 'vllm']) {
      const fit = bundled(engine).fit
      expect(Object.keys(fit.gpu_alone).sort()).toEqual([...fit.gpus].sort())
      for (const m of Object.values(fit.gpu_alone) as {ttft_mape: number; tpot_mape: number}[]) {
        expect(m.ttft_mape).toBeGreaterThan(0)
        expect(m.tpot_mape).toBeGreaterThan(0)
      }
    }
  })

  it('refuses a negative MAPE or an unknown figure, naming the field', async () => {
    const file = bundled('vllm')
    const run = vllmFileRun()
    for (const [gpuAlone, says] of [
      [{'H100-SXM': {ttft_mape: -3, tpot_mape: 10}}, 'fit.gpu_alone.H100-SXM.ttft_mape: must be >= 0'],
      [{'H100-SXM': {ttft_mape: 20, median: 10}}, 'fit.gpu_alone.H100-SXM'],
    ] as const) {
      // A bad data file is an input error (exit 1), named by file and field.
      expectRefused(await run({...file, fit: {...file.fit, gpu_alone: gpuAlone}}), 1, 'vllm.json', says)
    }
  })
})
