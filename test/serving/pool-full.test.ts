// What each bundled engine does when its KV pool cannot hold every client's request (data/engines/*.json,
// kv_pool_full): SGLang's scheduler admits a request only when the pool has room for it, so the others wait
// before their first token; vLLM admits one when its prompt fits and preempts running requests as they grow.
import {describe, expect, it} from 'vitest'
import {serve} from '../../src/api/simulate.js'
import {renderServing} from '../../src/report/serving.js'

// Qwen3-32B in BF16 on one H100: its weights (61 GiB with the embedding and LM head) leave a pool of about 8 GiB,
// some fifteen requests of 2,048 + 512 tokens at 256 KiB per token, far fewer than 64 clients.
const run = (engine: 'sglang' | 'vllm') =>
  serve({model: 'qwen3-32b', gpu: 'H100-SXM', worldSize: 1, tp: 1, isl: 2048, osl: 512, concurrency: 64, engine})

describe('a full KV pool', () => {
  it('SGLang: the requests the pool cannot hold wait for room before their first token (Little: waiting / X)', async () => {
    const s = (await run('sglang')).serving
    expect(s.running).toBeLessThan(64)
    expect(s.preempted).toBe(0)
    expect(s.ttftParts.admissionMs).toBeCloseTo(((64 - s.running) / s.requestsPerSecond) * 1000, 6)
    // No pauses: a decoding request's TPOT is the step time, and the closed loop holds, C = X (TTFT + (osl - 1) TPOT).
    expect(s.requestsPerSecond * (s.ttftMs + 511 * s.tpotMs)).toBeCloseTo(64 * 1000, 3)
    expect(s.ttftMs).toBeGreaterThan(s.ttftParts.admissionMs)
  })

  it('vLLM: a request is admitted when its prompt fits, so of those beyond the pool osl / (isl + osl) are paused and the rest wait', async () => {
    const vllm = (await run('vllm')).serving
    expect(vllm.running).toBeLessThan(64)
    expect(vllm.preempted).toBeCloseTo(((64 - vllm.running) * 512) / (2048 + 512), 9)
    expect(vllm.requestsPerSecond * (vllm.ttftMs + 511 * vllm.tpotMs)).toBeCloseTo(64 * 1000, 3)
    // Short prompts and long outputs: a finished request frees room for many prompts, so few wait and TTFT stays
    // far below that of an engine that makes them wait; the pauses land in TPOT.
    const longOutputs = {model: 'qwen3-32b', gpu: 'H100-SXM', worldSize: 1, tp: 1, isl: 512, osl: 4096, concurrency: 64} as const
    const [sglang, paused] = [(await serve({...longOutputs, engine: 'sglang'})).serving, (await serve({...longOutputs, engine: 'vllm'})).serving]
    expect(paused.running).toBeLessThan(64)
    expect(paused.preempted).toBeCloseTo(((64 - paused.running) * 4096) / (512 + 4096), 9)
    expect(paused.ttftMs).toBeLessThan(sglang.ttftMs / 3)
    expect(paused.tpotMs).toBeGreaterThan(paused.decodeStepMs)
  })

  it('says where the requests the pool cannot run are, in the report and the warning', async () => {
    const s = (await run('vllm')).serving
    const waiting = 64 - s.running - s.preempted
    const text = renderServing(s).join('\n')
    const shown = /waiting for room \/ paused \(preempted\)\s+([\d.]+) \/ ([\d.]+)/.exec(text)
    expect(Number(shown?.[1])).toBeCloseTo(waiting, 1)
    expect(Number(shown?.[2])).toBeCloseTo(s.preempted, 1)
    const warning = s.warnings.find((w) => w.code === 'admission-limited')
    expect(warning?.message).toContain(`${64 - s.running} of 64 requests do not run at once`)
    expect(warning?.message).toContain(`${waiting.toFixed(1)} wait for room before their first token and ${s.preempted.toFixed(1)} are paused`)
    // An engine that makes them wait has no paused count; one that runs every request has no such line.
    const sglang = (await run('sglang')).serving
    expect(renderServing(sglang).join('\n')).toMatch(new RegExp(`waiting for room\\s+${(64 - sglang.running).toFixed(1)}\\n`))
    const roomy = (await serve({model: 'qwen3-8b', gpu: 'H100-SXM', worldSize: 1, tp: 1, isl: 1024, osl: 128, concurrency: 8, engine: 'vllm'})).serving
    expect(renderServing(roomy).join('\n')).not.toMatch(/waiting for room/)
  })
})
