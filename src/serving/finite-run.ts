/**
 * A finite run: `requests` requests in all, queued from the start, at most
 * `running` of them in the engine at once (an offline benchmark such as
 * `trtllm-bench throughput`). With one prompt and one output length the
 * requests admitted together are prefilled together, decode together and
 * finish together, so the run goes in ceil(requests / running) waves, the
 * last of the requests left over, at a smaller batch. Where attention
 * groups share the MoE (data-parallel attention), every group admits its
 * wave at the same step, so their prompts run in the same steps, the
 * experts taking all the groups' tokens. The steady state of the whole
 * queue sees neither the tail nor that alignment (docs/serving.md, "On
 * GPUs no fit has seen").
 */
import type {EngineParams} from '../engine.js'
import {decodeStepsOf, promptTokensPerStep, stepSeconds, type ServingWorkload} from './mean-field.js'
import type {StepCost} from './step-cost.js'

/**
 * The request rate of a finite run, from the time of one wave of n requests.
 *
 * @example
 * // 1,500 requests, 352 at once: four waves of 352 (100 s each), then one of 92 (40 s).
 * finiteRunRate(1500, 352, (n) => (n === 352 ? 100 : 40)) // 1500 / 440 = 3.409
 */
export function finiteRunRate(requests: number, running: number, waveSeconds: (n: number) => number): number {
  const {waves, last} = wavesOf(requests, running)
  return requests / ((waves > 1 ? (waves - 1) * waveSeconds(running) : 0) + waveSeconds(last))
}

/** The waves `requests` requests go in, `running` at once, and the requests of the last. */
function wavesOf(requests: number, running: number): {waves: number; last: number} {
  const waves = Math.ceil(requests / running - 1e-9)
  return {waves, last: requests - (waves - 1) * running}
}

/**
 * One wave of `n` requests, seconds: their prompts in steps of `tokensPerStep`
 * prompt tokens (the last step what is left), then `decodeSteps` steps decoding
 * all n: osl - 1, a request's first token coming with its prompt (fewer under
 * speculative decoding: (osl - 1) / acceptance length). `step(decoding, prefillTokens)`
 * is a step's time with those tokens in each attention group.
 *
 * @example
 * // 4 requests of 1,000 tokens in and 101 out, 2 prompts a step: 2 prompt steps (50 ms each) and 100 decode steps (10 ms).
 * waveSeconds((d, p) => (p > 0 ? 0.05 : 0.01), 4, 1000, 100, 2000) // 2 x 0.05 + 100 x 0.01 = 1.1
 */
export function waveSeconds(step: (decoding: number, prefillTokens: number) => number, n: number, isl: number, decodeSteps: number, tokensPerStep: number): number {
  const tokens = n * isl
  const full = Math.floor(tokens / tokensPerStep + 1e-9)
  const rest = tokens - full * tokensPerStep
  const prompts = full * step(0, tokensPerStep) + (rest > 1e-9 ? step(0, rest) : 0)
  return prompts + decodeSteps * step(n, 0)
}

/** A finite run as `simulate --serving --requests` and calibrate's output-rate rows read it. */
export interface FiniteRun {
  /** Requests per replica (attention group) in all, queued at the start. */
  requests: number
  /** Requests a wave holds: what the engine runs at once. */
  running: number
  waves: number
  /** Requests of the last wave. */
  lastWave: number
  requestsPerSecond: number
  outputTokensPerGpuPerSecond: number
}

/**
 * The run of `requests` requests per attention group with `running` of them
 * at once, as waves of whole steps: prompts `tokensPerStep` a step (whole
 * prompts where the engine does not chunk them), then the decode steps
 * ((osl - 1) / acceptance length). Every attention group sharing the experts
 * admits its wave at the same step: the others bring the same tokens.
 */
export function finiteRun(cost: StepCost, e: EngineParams, w: ServingWorkload, running: number, requests: number): FiniteRun {
  const spec = w.speculative
  const perDecode = spec ? spec.draftTokens + 1 : 1
  const step = (decoding: number, prefillTokens: number) => stepSeconds(cost, e, w.isl, decoding, prefillTokens, (cost.moeGroups - 1) * (decoding * perDecode + prefillTokens), spec)
  const tokensPerStep = promptTokensPerStep(e, w.maxPrefillTokens, w.isl)
  const decodeSteps = decodeStepsOf(w)
  const rate = finiteRunRate(requests, running, (n) => waveSeconds(step, n, w.isl, decodeSteps, tokensPerStep))
  const {waves, last} = wavesOf(requests, running)
  return {requests, running, waves, lastWave: last, requestsPerSecond: rate, outputTokensPerGpuPerSecond: (rate * w.osl) / w.tp}
}
