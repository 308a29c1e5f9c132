import {describe, expect, it} from 'vitest'
import {solveServing, stepSeconds} from '../../src/serving/mean-field.js'
import {BARE, linearCost} from '../helpers/serving.js'

const workload = {concurrency: 1, isl: 1000, osl: 101, maxPrefillTokens: 8192, tp: 1, memGiB: 80}

describe('an engine that does not split prompts (chunked_prefill false)', () => {
  // 8 clients arrive in one wave (no mixed chunks: every request is in it) with 1,024-token prompts and a
  // step budget of 3,040 tokens (AIConfigurator's TensorRT-LLM launch: max batch 512 + isl + 1,500).
  const wave = {...BARE, mixed_chunk: false, max_prefill_tokens: 3040}
  const eight = {...workload, concurrency: 8, isl: 1024, maxPrefillTokens: 3040}

  it('fills a step with whole prompts only: 2 of 1,024 tokens in 3,040, not 3,040 tokens', () => {
    const chunked = solveServing(linearCost(), wave, eight)
    const whole = solveServing(linearCost(), {...wave, chunked_prefill: false}, eight)
    expect(chunked.prefillTokensPerMixedStep).toBe(3040)
    expect(whole.prefillTokensPerMixedStep).toBe(2048)
    // A prefill batch: 1 ms + 0.01 ms a token + 5 ms of attention a prompt (the linear cost above).
    expect(whole.mixedStepMs).toBeCloseTo(1 + 20.48 + 2 * 5, 6)
    // The wave of 8 x 1,024 tokens takes ceil(8192 / 2048) = 4 batches; a request waits (4 + 1) / 2 of them.
    expect(whole.ttftMs).toBeCloseTo(2.5 * 31.48, 6)
  })

  it('runs a prompt longer than the budget alone in its step', () => {
    const s = solveServing(linearCost(), {...wave, chunked_prefill: false}, {...eight, isl: 4096})
    expect(s.prefillTokensPerMixedStep).toBe(4096)
  })
})

describe('the serving steady state', () => {
  it('one request alone: TTFT is its prefill step, TPOT its decode step', () => {
    const s = solveServing(linearCost(), BARE, workload)
    expect(s.converged).toBe(true)
    // prefill step: 1 ms + 1000 tokens x 0.01 ms + 5 ms attention = 16 ms
    expect(s.ttftMs).toBeCloseTo(16, 6)
    // while it decodes, nothing else runs: 1 ms + 0.01 ms + 0.02 ms
    expect(s.tpotMs).toBeCloseTo(1.03, 6)
    // decoding for 100 steps of its 16 + 100 x 1.03 ms cycle
    expect(s.meanDecodeBatch).toBeCloseTo((100 * 1.03) / (16 + 100 * 1.03), 6)
  })

  it('obeys Little\'s law for the closed loop: C = throughput x (TTFT + (osl - 1) TPOT)', () => {
    for (const concurrency of [4, 32, 128]) {
      const e = {...BARE, step_overhead_ms: 0.5, ttft_overhead_ms: 20, join_steps: 1, sync_share: 0.3}
      const s = solveServing(linearCost(), e, {...workload, concurrency})
      const cycle = (s.ttftMs + (workload.osl - 1) * s.tpotMs) / 1000
      expect(s.requestsPerSecond * cycle).toBeCloseTo(concurrency, 3)
      expect(s.outputTokensPerGpuPerSecond).toBeCloseTo(s.requestsPerSecond * workload.osl, 6)
    }
  })

  it('grows TPOT and throughput with concurrency, and TPOT includes others\' prefill chunks', () => {
    const at = (concurrency: number) => solveServing(linearCost(), BARE, {...workload, concurrency})
    const [a, b, c] = [at(4), at(32), at(128)]
    expect(b.tpotMs).toBeGreaterThan(a.tpotMs)
    expect(c.tpotMs).toBeGreaterThan(b.tpotMs)
    expect(c.requestsPerSecond).toBeGreaterThan(a.requestsPerSecond)
    expect(b.tpotMs).toBeGreaterThan(b.decodeStepMs)
    expect(b.mixedStepMs).toBeGreaterThan(b.decodeStepMs)
  })

  it('splits a prompt longer than the budget over ceil(isl / budget) steps', () => {
    const s = solveServing(linearCost(), BARE, {...workload, isl: 10_000, maxPrefillTokens: 4096})
    // alone, its 10000 tokens take 3 steps of 10000/3 tokens on average (4096 + 4096 + 1808)
    const perStep = stepSeconds(linearCost(), BARE, 10_000, 0, 10_000 / 3) * 1000
    expect(s.ttftParts.prefillMs).toBeCloseTo(3 * perStep, 6)
    expect(s.ttftMs).toBeCloseTo(3 * perStep, 6)
  })

  it('makes requests beyond the KV capacity wait for admission', () => {
    // 10 GiB free (80 x 0.25 - 10 GiB of weights), 1 MiB per token, 1050 tokens per request: 9 requests fit.
    const cost = linearCost({kvBytesPerToken: 1024 ** 2})
    const s = solveServing(cost, {...BARE, gpu_memory_fraction: 0.25, reserves_full_kv: true}, {...workload, isl: 949, concurrency: 20})
    expect(s.kvCapacity).toBe(9)
    expect(s.running).toBe(9)
    expect(s.ttftParts.admissionMs).toBeCloseTo((11 / s.requestsPerSecond) * 1000, 6)
    expect(s.preempted).toBe(0)
  })

  it('an engine that preempts admits a request when its prompt fits: of those beyond the pool, osl / (isl + osl) are paused and the rest wait', () => {
    const cost = linearCost({kvBytesPerToken: 1024 ** 2})
    const e = {...BARE, gpu_memory_fraction: 0.25, reserves_full_kv: true}
    // Long prompts, short outputs (949 + 101 tokens): 9 run, 11 are beyond the pool, 11 x 101/1050 of them paused
    // (their contexts prefilled again before new prompts) and 11 x 949/1050 waiting for room (Little: waiting / X).
    const wait = solveServing(cost, e, {...workload, isl: 949, concurrency: 20})
    const longPrompts = solveServing(cost, {...e, kv_pool_full: 'preempt'}, {...workload, isl: 949, concurrency: 20})
    expect(longPrompts.running).toBe(9)
    expect(longPrompts.preempted).toBeCloseTo((11 * 101) / 1050, 12)
    // the same 9 run, at the same pace
    expect(longPrompts.requestsPerSecond).toBeCloseTo(wait.requestsPerSecond, 9)
    const waitingMs = (((11 * 949) / 1050) / longPrompts.requestsPerSecond) * 1000
    const recomputeMs = (((11 * 101) / 1050) * 1050 / 8192) * longPrompts.mixedStepMs
    expect(longPrompts.ttftParts.admissionMs).toBeCloseTo(waitingMs + recomputeMs, 6)
    // closed loop: C = X (TTFT + (osl - 1) TPOT), the pauses in TPOT
    expect(longPrompts.requestsPerSecond * (longPrompts.ttftMs + 100 * longPrompts.tpotMs)).toBeCloseTo(20 * 1000, 3)

    // Short prompts, long outputs (100 + 950 tokens): most of the 11 are paused after their first token, few wait before it.
    const shortWait = solveServing(cost, e, {...workload, isl: 100, osl: 950, concurrency: 20})
    const shortPrompts = solveServing(cost, {...e, kv_pool_full: 'preempt'}, {...workload, isl: 100, osl: 950, concurrency: 20})
    expect(shortPrompts.preempted).toBeCloseTo((11 * 950) / 1050, 12)
    expect(shortPrompts.ttftMs).toBeLessThan(shortWait.ttftMs / 5)
    expect(shortPrompts.tpotMs).toBeGreaterThan(shortWait.tpotMs)
    expect(shortPrompts.requestsPerSecond * (shortPrompts.ttftMs + 949 * shortPrompts.tpotMs)).toBeCloseTo(20 * 1000, 3)
  })

  it('sizes the KV pool as the engine does: a share of all memory, or of what weights and activations leave', () => {
    const cost = linearCost({weightBytesPerGpu: 40 * 1024 ** 3})
    // vLLM / SGLang: 80 GiB x 0.9 - 40 GiB weights - 2 GiB activations = 30 GiB; TensorRT-LLM: (80 - 40 - 2) x 0.9 = 34.2 GiB
    expect(solveServing(cost, {...BARE, activation_reserve_gib: 2}, workload).kvPoolGiB).toBeCloseTo(30, 9)
    expect(solveServing(cost, {...BARE, activation_reserve_gib: 2, memory_fraction_of: 'free'}, workload).kvPoolGiB).toBeCloseTo(34.2, 9)
  })

  it('says why when not one request fits', () => {
    expect(() => solveServing(linearCost({weightBytesPerGpu: 79 * 1024 ** 3}), BARE, workload)).toThrow(/the weights do not fit: 79\.0 GB per GPU, 72\.0 GB available \(the engine's memory: gpu_memory_fraction 0\.9 of the total memory of 80 GB/)
  })

  it('takes a measured run the memory accounting leaves no pool as holding every request, weights that fit the GPU at all', () => {
    // 75 GiB of weights: 80 GiB x 0.9 = 72 GiB leaves no pool, yet the engine ran it (a larger memory share than the file's)
    const short = solveServing(linearCost({weightBytesPerGpu: 75 * 1024 ** 3}), BARE, {...workload, concurrency: 16, measured: true})
    expect(short.memoryShortfall).toBe(true)
    expect(short.kvCapacity).toBe(16)
    expect(short.running).toBe(16)
    expect(short.ttftParts.admissionMs).toBe(0)
    // the same run as a prediction is refused; weights beyond the 80 GiB themselves are refused for a measured run too
    expect(() => solveServing(linearCost({weightBytesPerGpu: 75 * 1024 ** 3}), BARE, workload)).toThrow(/the weights do not fit/)
    expect(() => solveServing(linearCost({weightBytesPerGpu: 81 * 1024 ** 3}), BARE, {...workload, measured: true})).toThrow(/the weights do not fit/)
    // a pool that holds requests is untouched by the flag
    expect(solveServing(linearCost(), BARE, {...workload, measured: true})).toEqual(solveServing(linearCost(), BARE, workload))
  })

  it('adds the engine overheads where they belong', () => {
    const base = solveServing(linearCost(), BARE, workload)
    const s = solveServing(linearCost(), {...BARE, ttft_overhead_ms: 30, step_overhead_ms: 2}, workload)
    expect(s.tpotMs).toBeCloseTo(base.tpotMs + 2, 3)
    expect(s.ttftMs).toBeCloseTo(base.ttftMs + 30 + 2, 3)
    // with company, a step's overhead still reaches TPOT in full; TTFT gets its own step's and the fixed part
    const many = {...workload, concurrency: 16}
    const b16 = solveServing(linearCost(), BARE, many)
    const s16 = solveServing(linearCost(), {...BARE, ttft_overhead_ms: 30, step_overhead_ms: 2}, many)
    expect(s16.tpotMs - b16.tpotMs).toBeGreaterThan(1.8)
    expect(s16.tpotMs - b16.tpotMs).toBeLessThan(2.2)
    expect(s16.ttftMs - b16.ttftMs).toBeGreaterThan(30)
  })

  it('makes a step wait for the host work the engine overlaps with it when that is longer', () => {
    const e = {...BARE, host_us_per_request: 100}
    // 100 decoding requests: kernels 1 ms + 100 x 0.01 ms + 100 x 0.02 ms = 4 ms; host 100 x 0.1 ms = 10 ms
    expect(stepSeconds(linearCost(), e, 1000, 100, 0) * 1000).toBeCloseTo(10, 9)
    // 10 requests: kernels 1.3 ms against 1 ms of host work
    expect(stepSeconds(linearCost(), e, 1000, 10, 0) * 1000).toBeCloseTo(1.3, 9)
    // one request alone, host 2 ms a request: its 16 ms prefill hides it, its 1.03 ms decode step waits for it
    const s = solveServing(linearCost(), {...BARE, host_us_per_request: 2000}, workload)
    expect(s.ttftMs).toBeCloseTo(16, 6)
    expect(s.tpotMs).toBeCloseTo(2, 6)
  })

  it('makes clients wait before their first token for an API server that streams slower than the engine runs', () => {
    // alone, a request's round is 16 ms + 100 x 1.03 ms = 119 ms; a server at 2 ms a token needs 101 x 2 = 202 ms for it
    const s = solveServing(linearCost(), {...BARE, frontend_us_per_output_token: 2000}, workload)
    expect(s.ttftParts.frontendMs).toBeCloseTo(202 - 119, 4)
    expect(s.ttftMs).toBeCloseTo(16 + 83, 4)
    expect(s.tpotMs).toBeCloseTo(1.03, 6)
    expect(s.requestsPerSecond).toBeCloseTo(1 / 0.202, 4)
    expect(s.outputTokensPerGpuPerSecond).toBeCloseTo(1e6 / 2000, 4)
    // a server at 0.5 ms a token (50.5 ms a request) keeps up: nothing changes
    const fast = solveServing(linearCost(), {...BARE, frontend_us_per_output_token: 500}, workload)
    expect(fast.ttftParts.frontendMs).toBe(0)
    expect(fast.ttftMs).toBeCloseTo(16, 6)
  })

  it('without mixed chunks, clients that arrive together stay in waves: TTFT is the mean of the wave\'s prefill batches, TPOT waits for the batches after its own', () => {
    // 20 prompts of 1,000 tokens = 20,000 tokens: 3 batches of the 8,192-token budget (the last one partial, timed full).
    // A batch: 1 ms + 8,192 x 0.01 ms + 8.192 prompts x 5 ms attention = 123.88 ms.
    const batch = 1 + 81.92 + 8.192 * 5
    const s = solveServing(linearCost(), {...BARE, mixed_chunk: false}, {...workload, concurrency: 20})
    expect(s.converged).toBe(true)
    // the j-th batch's requests get their first token after j batches: (1 + 2 + 3) / 3 = 2 batches on average
    expect(s.ttftMs).toBeCloseTo(2 * batch, 6)
    // all 20 decode together, nothing prefilled beside them: 1 ms + 20 x 0.01 ms + 20 x 0.02 ms = 1.6 ms a step; and
    // before its second token a request waits for the (3 - j) batches after its own, 1 batch on average, over its 100 steps
    expect(s.meanDecodeBatch).toBe(20)
    expect(s.mixedStepShare).toBe(0)
    expect(s.tpotMs).toBeCloseTo(1.6 + batch / 100, 6)
    expect(s.wavePauseMs).toBeCloseTo(batch / 100, 6)
    expect([s.mixedStepMs, s.prefillTokensPerMixedStep]).toEqual([expect.closeTo(batch, 6), 8192])
    // the closed loop: a request's round is the whole wave (3 batches) and its 100 decode steps
    expect(s.requestsPerSecond).toBeCloseTo(20 / ((3 * batch + 100 * 1.6) / 1000), 4)
    // with mixed chunks the same clients spread out: each waits for about one step carrying its own prompt
    const mixed = solveServing(linearCost(), BARE, {...workload, concurrency: 20})
    expect(mixed.ttftMs).toBeLessThan(batch)
  })
})

describe('attention groups that share the MoE step in lockstep', () => {
  // One request per group, the linear cost above: a prompt's step is 1 + 1000 x 0.01 + 5 = 16 ms, a decode
  // step 1.03 ms, and a decode step beside another group's prompt 1 + 1001 x 0.01 + 0.02 + 5 = 16.03 ms.
  // A request cycles through its 16 ms prompt and 100 decode steps of mean tau; the share of steps that
  // carry a given group's prompt is f = 1 - exp(-a), a = tau / cycle (one arrival per cycle, p / B < f
  // here), and a decoding request's step is slow when any of the G - 1 other groups prefills.
  const byHand = (groups: number): number => {
    let tau = 1.03
    for (let i = 0; i < 200; i++) {
      const f = 1 - Math.exp(-tau / (16 + 100 * tau))
      tau = 1.03 + 15 * (1 - (1 - f) ** (groups - 1))
    }
    return tau
  }

  it('a step is as long for every group as the slowest group\'s: TPOT grows with the groups', () => {
    for (const groups of [1, 2, 8]) {
      const s = solveServing(linearCost({moeGroups: groups}), BARE, workload)
      expect(s.converged).toBe(true)
      expect(s.tpotMs).toBeCloseTo(byHand(groups), 4)
      expect(s.lockstepGroups).toBe(groups > 1 ? groups : undefined)
    }
    // 1.03 ms alone; about 1.16 ms beside one other group, 2.0 ms beside seven.
    expect(byHand(2)).toBeCloseTo(1.161, 3)
    expect(byHand(8)).toBeGreaterThan(1.9)
  })
})
