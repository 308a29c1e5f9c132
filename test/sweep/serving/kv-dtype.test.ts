import {describe, expect, it} from 'vitest'
import {servingSweep, smallSpace} from './helpers.js'

describe('serving sweep and the KV dtype an engine takes from the checkpoint', () => {
  it('lists an FP8-KV checkpoint once on TensorRT-LLM and vLLM (their KV is FP8 with or without --fp8-kv), twice on SGLang', async () => {
    const {layouts, inputs} = await servingSweep('llama-3.1-70b-fp8', {space: smallSpace({engines: ['trtllm', 'vllm', 'sglang'], fp8Kv: 'auto', maxGpus: 4, concurrencies: [4]})})
    const engineOf = (i: number) => inputs.engines[i].name
    const shape = (l: (typeof layouts)[number]) => [engineOf(l.engine), l.worldSize, l.tp, l.weights.resolved].join('|')
    for (const engine of ['trtllm', 'vllm']) {
      const mine = layouts.filter((l) => engineOf(l.engine) === engine)
      expect(mine.length).toBeGreaterThan(0)
      expect(mine.every((l) => l.fp8Kv)).toBe(true)
      expect(new Set(mine.map(shape)).size).toBe(mine.length)
    }
    const sglang = layouts.filter((l) => engineOf(l.engine) === 'sglang')
    expect(new Set(sglang.map((l) => l.fp8Kv))).toEqual(new Set([false, true]))
  })
})
