import {describe, expect, it} from 'vitest'
import {servingSweep, smallSpace} from './helpers.js'

describe('serving sweep and the KV dtype an engine takes from the checkpoint', () => {
  it('lists an FP8-KV checkpoint once on TensorRT-LLM (its KV is FP8 with or without --fp8-kv), twice on vLLM', async () => {
    const {layouts, inputs} = await servingSweep('llama-3.1-70b-fp8', {space: smallSpace({engines: ['trtllm', 'vllm'], fp8Kv: 'auto', maxGpus: 4, concurrencies: [4]})})
    const engineOf = (i: number) => inputs.engines[i].name
    const shape = (l: (typeof layouts)[number]) => [engineOf(l.engine), l.worldSize, l.tp, l.weights.resolved].join('|')
    const trt = layouts.filter((l) => engineOf(l.engine) === 'trtllm')
    const vllm = layouts.filter((l) => engineOf(l.engine) === 'vllm')
    expect(trt.length).toBeGreaterThan(0)
    expect(trt.every((l) => l.fp8Kv)).toBe(true)
    expect(new Set(trt.map(shape)).size).toBe(trt.length)
    expect(new Set(vllm.map((l) => l.fp8Kv))).toEqual(new Set([false, true]))
  })
})
