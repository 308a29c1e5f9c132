/**
 * Steady state of C closed-loop clients on one replica with in-flight
 * batching and chunked prefill (docs/serving.md writes the model down).
 *
 * Each step carries every decoding request (one token each) and, when
 * prefill work waits, up to the budget of prefill tokens. Unknowns: the
 * throughput X (requests/s) and the mean step time tau; they are solved by
 * damped fixed-point iteration:
 *   decoding requests  n_d = X (osl - 1) tau             (Little's law)
 *   arrivals per step  a   = X tau; prefill tokens per step p = a isl
 *   share of steps with prefill f = max(p / B, 1 - exp(-a ceil(isl / B))), tokens in such a step t = min(B, p / f)
 *   tau = f' step(n_d', t) + (1 - f') step(n_d, 0), with f' = f (1 - 1/N) the prefill steps of others that a
 *   decoding request sees and n_d' = min(n_d, N - t / isl) the requests decoding beside a prefill
 * The prefill queue is a station of a closed network solved by mean-value
 * analysis: a request's prefill residence R = ceil(isl / B) mixed steps plus
 * the queued prefill work ahead of it; the rest of its cycle
 * Z = (join_steps + osl - 1) tau + ttft overhead is a delay. Requests beyond
 * what the engine admits (max running, KV capacity) and the fitted admission
 * queue wait queue / X (Little's law). Without mixed chunks (mixed_chunk
 * false) a prefill batch pauses every decode: every request arrives in a wave,
 * all N decode together, and a request waits for the wave's later prefill
 * batches before its second token. A step lasts at least the host work the
 * engine overlaps with it (engineStepMs), and clients beyond what the API
 * server streams wait before their first token (frontendWaitSeconds).
 */
import {InfersimError} from '../errors.js'
import {NO_ROOM} from './no-room.js'
import {engineStepMs, frontendTokensPerSecond, hostStepMs, type EngineParams} from '../engine.js'
import {weightsDoNotFit} from '../sim/validate.js'
import type {DraftCost, StepCost} from './step-cost.js'
import {graphBatchOf} from './cuda-graphs.js'
import {draftLayerMemory, withDraftLayers, type Speculative} from './speculative.js'

const GiB = 1024 ** 3

export interface ServingWorkload {
  /** Requests in flight per replica (closed loop). */
  concurrency: number
  isl: number
  osl: number
  /** Token budget of one step. */
  maxPrefillTokens: number
  /** GPUs of one replica. */
  tp: number
  /** GPU memory, GiB. */
  memGiB: number
  /**
   * A run that was measured (calibrate): it ran, so the engine found room for
   * its KV cache. When the memory accounting (the engine's memory share and
   * reserve, which a run may have set otherwise) leaves none but the weights
   * fit in the GPU's memory, the pool is taken to hold every request the
   * engine admits, and the solution says so, rather than the run being
   * refused. Weights beyond the memory itself are refused all the same.
   */
  measured?: boolean
  /** Speculative decoding (--mtp): a draft's tokens verified each step, acceptLength tokens a step per request. */
  speculative?: Speculative
}

export interface ServingSolution {
  ttftMs: number
  tpotMs: number
  /** Requests finished per second by one replica. */
  requestsPerSecond: number
  outputTokensPerGpuPerSecond: number
  /** Requests the engine runs at once: min(concurrency, max running, KV capacity). */
  running: number
  /** Requests beyond the KV pool that the engine holds paused, to be recomputed, on average (engines that preempt: pausedShare of those beyond the pool; the others wait). */
  preempted: number
  /** Requests that wait before their first token for a slot or for room in the pool, on average: concurrency - running - preempted. */
  waiting: number
  /** KV pool of one GPU, GiB. */
  kvPoolGiB: number
  /** Requests whose KV cache fits at isl + osl. */
  kvCapacity: number
  /** A measured run the memory accounting leaves no KV pool: its capacity is taken as the requests admitted (ServingWorkload.measured). */
  memoryShortfall?: boolean
  meanDecodeBatch: number
  /** Share of steps that carry prefill tokens (in any of the attention groups that step in lockstep), and the prefill tokens such a step carries. */
  mixedStepShare: number
  /** Attention groups that share the MoE and so step in lockstep (data-parallel attention); absent for one. */
  lockstepGroups?: number
  prefillTokensPerMixedStep: number
  /** Without chunked prefill (chunked_prefill false): the whole prompts a step of the full budget holds; absent otherwise. */
  wholePromptsPerStep?: number
  decodeStepMs: number
  /** Without mixed chunks (mixed_chunk false): of TPOT, the wait for the wave's later prefill batches between a request's first and second token, spread over its tokens, ms; 0 otherwise. */
  wavePauseMs: number
  /** The host work of a decode step (host_us_per_request x its requests), ms: the step is this long when the kernels take less. */
  decodeHostMs: number
  mixedStepMs: number
  /** Where a request's TTFT goes, ms. */
  ttftParts: {
    admissionMs: number
    joinMs: number
    prefillMs: number
    prefillQueueMs: number
    /**
     * What the benchmark's opening wave (a share sync_share of the requests arriving together) adds to
     * the mean TTFT over arriving spread out: sync_share x (the wave's wait - a spread arrival's), at least 0. 0
     * without mixed chunks, where every request is in a wave by the engine's own scheduling.
     */
    openingWaveMs: number
    overheadMs: number
    frontendMs: number
  }
  iterations: number
  converged: boolean
}

/** The engine's memory settings that size its KV pool, as messages name them. */
export const poolSettings = (e: EngineParams, memGiB: number) =>
  `gpu_memory_fraction ${e.gpu_memory_fraction} of the ${e.memory_fraction_of} memory of ${memGiB} GB, ${e.activation_reserve_gib} GiB kept for activations`

/**
 * Of the requests a full pool cannot run, the share an engine that preempts
 * (`kv_pool_full` preempt) holds paused after their first token; the rest wait
 * before it. Such an engine admits a request when the free pages hold its
 * prompt, not its output: a finished request frees isl + osl tokens, room for
 * (isl + osl) / isl prompts, of which one stays and the others are preempted
 * as they grow. With short prompts and long outputs the queue empties at every
 * finish and the wait lands in TPOT; with long prompts it is a wait for room,
 * in TTFT. The share is the output's part of a finished request's pages,
 * osl / (isl + osl). On the measured vLLM runs whose pool fills (H100, 9 runs),
 * TTFT error went from 78% to 38% MAPE and TPOT from 34% to 10% against
 * preempting them all (docs/serving.md).
 */
export const pausedShare = (isl: number, osl: number): number => osl / (isl + osl)

/** KV pool of one GPU, bytes: the engine's memory share less the weights and its activation reserve. */
export function kvPoolBytes(e: EngineParams, memGiB: number, weightBytes: number): number {
  const reserve = e.activation_reserve_gib * GiB
  return e.memory_fraction_of === 'free' ? (memGiB * GiB - weightBytes - reserve) * e.gpu_memory_fraction : memGiB * GiB * e.gpu_memory_fraction - weightBytes - reserve
}

/**
 * The most weight bytes one GPU holds with room left for a KV pool: the
 * memory less the activation reserve where the engine's share is of the
 * memory left after the weights (TensorRT-LLM), that share of the whole
 * memory less the reserve otherwise.
 *
 * @example
 * // TensorRT-LLM (0.9 of the free memory, 3 GiB reserve) on an 80 GiB H100: 77 GiB; vLLM (0.9 of the total, 3 GiB): 69 GiB.
 */
export function weightRoomBytes(e: EngineParams, memGiB: number): number {
  const reserve = e.activation_reserve_gib * GiB
  return e.memory_fraction_of === 'free' ? memGiB * GiB - reserve : memGiB * GiB * e.gpu_memory_fraction - reserve
}

/**
 * Time of one step with `decoding` decoding requests and `prefillTokens`
 * prefill tokens in the attention group seen, seconds. `otherTokens`: tokens
 * the other attention groups sharing the MoE bring to its layers in the same
 * step.
 */
export function stepSeconds(cost: StepCost, e: EngineParams, isl: number, decoding: number, prefillTokens: number, otherTokens = 0, spec?: Speculative): number {
  const requests = decoding + (prefillTokens > 0 ? Math.max(1, prefillTokens / isl) : 0)
  // A decode-only step replays the CUDA graph of the next captured batch (src/serving/cuda-graphs.ts).
  const graph = prefillTokens > 0 ? undefined : graphBatchOf(e.cuda_graph_batch_sizes, decoding)
  const kernelMs = forwardKernelSeconds(cost, e, isl, decoding, prefillTokens, otherTokens, spec, graph ? graph / decoding : 1) * 1000
  const forward = withDraftLayers({requests, prefill: prefillTokens > 0, layers: cost.layers, moeLayers: cost.moeLayers}, spec?.draftTokens ?? 0)
  return engineStepMs(e, forward, kernelMs) / 1000
}

/**
 * Kernels of a step, seconds, at the engine's kernel scales (no engine
 * overhead). Under speculative decoding (`spec`) the model verifies k + 1
 * positions of each decoding request (its GEMMs, experts, collectives and
 * LM head over all of them; attention with k + 1 queries a request over its
 * cached keys, read once: src/sim/attention.ts), and the draft runs
 * (draftKernelSeconds); `otherTokens` are then the other attention groups'
 * tokens in the MoE's verify forward (k + 1 per decoding request).
 */
export function forwardKernelSeconds(cost: StepCost, scales: KernelScales, isl: number, decoding: number, prefillTokens: number, otherTokens: number, spec?: Speculative, pad = 1): number {
  if (!spec) return stepKernelSeconds(cost, scales, isl, decoding, prefillTokens, otherTokens, 1, pad)
  const k = spec.draftTokens
  return stepKernelSeconds(cost, scales, isl, decoding, prefillTokens, otherTokens, k + 1, pad) + draftKernelSeconds(cost, scales, isl, decoding, prefillTokens, otherTokens / (k + 1), k)
}

/**
 * The draft's kernels in a step, seconds: k forwards of one layer and the LM
 * head over the `decoding` requests, and its layer once over the step's
 * prompt tokens (an MTP layer keeps a KV cache of its own). The layer is the
 * model's average one: its layers' matrix work, collectives and attention
 * over their count, and one MoE layer's experts (`otherTokens`: the other
 * attention groups' tokens in a draft forward's MoE, one a decoding request).
 * Serving (stepSeconds) and the static decode step (src/sim/phase.ts) both
 * read it here.
 */
export function draftKernelSeconds(cost: DraftCost, scales: KernelScales, isl: number, decoding: number, prefillTokens: number, otherTokens: number, k: number): number {
  const layer = (tokens: number, others: number, attention: number) =>
    (scales.gemm_scale * cost.gemmSeconds(tokens) + scales.comm_scale * cost.commSeconds(tokens) + scales.attention_scale * attention) / cost.layers +
    (cost.moeLayers > 0 ? (scales.gemm_scale * cost.moeSeconds(tokens + others)) / cost.moeLayers : 0)
  const draft = decoding > 0 ? k * (layer(decoding, otherTokens, cost.decodeAttentionSeconds(decoding)) + scales.gemm_scale * cost.lmHeadSeconds(decoding)) : 0
  const prompts = prefillTokens > 0 ? layer(prefillTokens, 0, (prefillTokens / isl) * cost.prefillAttentionSeconds) : 0
  return draft + prompts
}

/** The scales an engine applies to the tables' kernels (1 each: as measured). */
export type KernelScales = Pick<EngineParams, 'gemm_scale' | 'comm_scale' | 'attention_scale'>

/** The tables' kernels as measured, whatever an engine's fit says of them: the plausibility check's, and the static phases' (an engine's scales belong to its serving fit). */
export const AS_MEASURED: KernelScales = {gemm_scale: 1, comm_scale: 1, attention_scale: 1}

/**
 * The kernels of such a step, seconds, at the engine's kernel scales (no engine overhead); `queries`
 * tokens a decoding request (k + 1 verifying k drafts); `pad` the padded batch of a CUDA graph over
 * the real one (every attention group pads alike): all but attention run the padded batch.
 */
export function stepKernelSeconds(
  cost: StepCost,
  scales: KernelScales,
  isl: number,
  decoding: number,
  prefillTokens: number,
  otherTokens = 0,
  queries = 1,
  pad = 1,
): number {
  const decodeTokens = decoding * queries * pad
  const tokens = decodeTokens + prefillTokens
  return (
    scales.gemm_scale * (cost.gemmSeconds(tokens) + cost.moeSeconds(tokens + otherTokens * pad) + cost.lmHeadSeconds(decodeTokens + prefillTokens / isl)) +
    scales.comm_scale * cost.commSeconds(tokens) +
    scales.attention_scale * (cost.decodeAttentionSeconds(decoding, queries) + (prefillTokens / isl) * cost.prefillAttentionSeconds)
  )
}

/**
 * Mean-value analysis of the prefill station with `clients` clients (may be
 * fractional): [throughput X, residence R], seconds. A request's residence is
 * its own prefill `ownPrefill` plus `demand` per request queued ahead of it;
 * `delay` is the rest of its cycle (Z). Per client count n: R = ownPrefill +
 * demand q, X = n / (R + Z), q = X R (queue length).
 */
function prefillMva(clients: number, ownPrefill: number, demand: number, delay: number): [number, number] {
  let q = 0
  let x = 0
  let r = ownPrefill
  const whole = Math.floor(clients)
  for (let n = 1; n <= whole; n++) {
    r = ownPrefill + demand * q
    x = n / (r + delay)
    q = x * r
  }
  const frac = clients - whole
  if (frac > 1e-9) {
    const rNext = ownPrefill + demand * q
    const xNext = (whole + 1) / (rNext + delay)
    if (whole === 0) return [clients / (rNext + delay), rNext]
    return [x + frac * (xNext - x), r + frac * (rNext - r)]
  }
  return [x, r]
}

/**
 * How long a request waits, on average, for the engine's API server before
 * its first token, seconds: the server spends `frontend_us_per_output_token`
 * on each token it streams, so a replica serves at most
 * 1e6 / (that x osl) requests a second, and a closed loop of C clients that
 * the engine alone would serve faster (`x` requests/s) waits for the rest of
 * the server's C x osl x that per round. The engine's steps stay those of all
 * C requests: on the measured TensorRT-LLM runs held back this way (H100,
 * Llama-3.1-8B at 64-128 clients) TPOT is what the full batch gives while
 * TTFT grows to a quarter of a request's life (docs/serving.md).
 */
export function frontendWaitSeconds(e: EngineParams, C: number, osl: number, x: number): number {
  const cycle = (C * osl) / frontendTokensPerSecond(e)
  return Math.max(0, cycle - C / x)
}

/** Whole prompts of `isl` tokens a step of `budget` tokens holds: at least one, which a longer prompt gets alone. */
const promptsPerStep = (budget: number, isl: number) => Math.max(1, Math.floor(budget / isl))

/**
 * Prompt tokens a step of `budget` tokens takes: the budget where the engine
 * splits prompts over steps, else as many whole prompts as it holds (what is
 * left stays unused), and a prompt longer than the budget alone.
 *
 * @example
 * promptTokensPerStep({chunked_prefill: false}, 8192, 3000) // 2 prompts: 6000
 * promptTokensPerStep({chunked_prefill: true}, 8192, 3000) // 8192
 */
export const promptTokensPerStep = (e: Pick<EngineParams, 'chunked_prefill'>, budget: number, isl: number): number =>
  e.chunked_prefill === false ? promptsPerStep(budget, isl) * isl : budget

/** Decode steps of a request: osl - 1 (its first token comes with its prompt), fewer where a step gives it more than one. */
export const decodeStepsOf = (w: Pick<ServingWorkload, 'osl' | 'speculative'>): number => Math.max(0, w.osl - 1) / (w.speculative ? w.speculative.acceptLength : 1)

export function solveServing(cost: StepCost, e: EngineParams, w: ServingWorkload): ServingSolution {
  const {concurrency: C, isl, osl} = w
  const spec = w.speculative
  // Each step gives a decoding request `perStep` tokens and puts `tokensPerDecode` through the model; the
  // draft layer holds one layer's more weights and one full-attention layer's more KV cache (draftLayerMemory).
  const perStep = spec ? spec.acceptLength : 1
  const tokensPerDecode = spec ? spec.draftTokens + 1 : 1
  const draft = draftLayerMemory(spec, cost.layers, cost.fullLayerKvBytesPerToken)
  const weightBytes = cost.weightBytesPerGpu * (1 + draft.weightShare)
  const decodeSteps = decodeStepsOf(w)
  const kvPoolBytesPerGpu = kvPoolBytes(e, w.memGiB, weightBytes)
  const kvTokens = e.reserves_full_kv ? isl + osl : isl + osl / 2
  let kvCapacity = Math.floor((e.kv_capacity_scale * kvPoolBytesPerGpu) / ((cost.kvBytesPerToken + draft.kvBytesPerToken) * kvTokens + cost.stateBytesPerRequest))
  const memoryShortfall = w.measured === true && (kvPoolBytesPerGpu <= 0 || kvCapacity < 1) && weightBytes < w.memGiB * GiB
  if (memoryShortfall) kvCapacity = Math.min(C, e.max_running_requests)
  else if (kvPoolBytesPerGpu <= 0) {
    const availableGiB = Math.max(0, weightRoomBytes(e, w.memGiB)) / GiB
    throw new InfersimError(weightsDoNotFit(weightBytes / GiB, availableGiB, `the engine's memory: ${poolSettings(e, w.memGiB)}`), 'input', {code: NO_ROOM.weights})
  }
  else if (kvCapacity < 1) {
    throw new InfersimError(
      `no request fits: the weights take ${(weightBytes / GiB).toFixed(1)} GiB per GPU of the ${w.memGiB} GiB, and the engine's KV pool ` +
        `(gpu_memory_fraction ${e.gpu_memory_fraction} of the ${e.memory_fraction_of} memory, ${e.activation_reserve_gib} GiB for activations) ` +
        `leaves ${(Math.max(0, kvPoolBytesPerGpu) / GiB).toFixed(1)} GiB: not one request's KV cache at ${kvTokens} tokens`,
      'input',
      {code: NO_ROOM.kv},
    )
  }
  // Beyond the engine's batch limit requests wait; beyond the KV pool they wait, or the engine preempts running ones.
  const admitted = Math.min(C, e.max_running_requests)
  const running = Math.min(admitted, kvCapacity)
  const preempted = e.kv_pool_full === 'preempt' ? (admitted - running) * pausedShare(isl, osl) : 0
  const waiting = C - running - preempted
  const N = running
  // Without mixed chunks a prefill batch pauses every decode, so the requests prefilled together decode in
  // lockstep, finish at the same step and come back together: every request arrives in a wave.
  const cohorts = e.mixed_chunk === false
  const sync = cohorts ? 1 : e.sync_share
  // Tokens the other attention groups sharing the MoE bring to a step: each as many as an average group.
  let otherTokens = (cost.moeGroups - 1) * N * tokensPerDecode
  const step = (decoding: number, prefillTokens: number) => stepSeconds(cost, e, isl, decoding, prefillTokens, otherTokens, spec)

  // An engine that does not chunk prompts (chunked_prefill false) fills a step with whole prompts only: what
  // is left of its budget after the last prompt that fits stays unused, and a prompt longer than the budget
  // still runs, alone in its step.
  const wholePrompts = (budget: number) => promptTokensPerStep(e, budget, isl)
  // A wave: all N requests arrive together (a benchmark's start, or clients that stay in step); the k-th budget's worth is prefilled by step k.
  const waveTokens = N * isl
  const waveBudget = Math.min(wholePrompts(w.maxPrefillTokens), waveTokens)
  const waveStep = step(0, waveBudget)
  const waveSteps = waveTokens / waveBudget
  const wave = ((Math.ceil(waveSteps) + 1) / 2) * waveStep
  // Without mixed chunks a request prefilled in the j-th of a wave's k batches waits for the k - j after it
  // before it decodes: (k - 1) / 2 batches on average, between its first token and its second.
  const waveTail = cohorts ? ((Math.ceil(waveSteps) - 1) / 2) * waveStep : 0
  let tau = step(N, 0)
  let x = N / ((1 + decodeSteps) * tau)
  let state = {meanDecodeBatch: N, mixedStepShare: 0, prefillTokensPerMixedStep: 0, decodeStepSeconds: tau, decodeHostSeconds: 0, mixedStepSeconds: tau, prefillResidenceSeconds: tau, ownPrefillSeconds: tau}
  let iterations = 0
  let converged = false
  for (; iterations < 200 && !converged; iterations++) {
    const nd = Math.min(N, x * decodeSteps * tau)
    // A budget that counts the decodes counts every token they verify.
    const budget = wholePrompts(e.budget_includes_decode ? Math.max(1, w.maxPrefillTokens - nd * tokensPerDecode) : w.maxPrefillTokens)
    const a = x * tau
    const p = a * isl
    const chunks = Math.ceil(isl / budget)
    const f = p >= budget ? 1 : Math.min(1, Math.max(p / budget, 1 - Math.exp(-a * chunks)))
    // N clients can put at most N chunks into one step.
    const t = f > 0 ? Math.min(budget, p / f, (N * isl) / chunks) : 0
    // Decoders as a decoding request sees them (itself and its share of the others), and beside a
    // prefill: the requests being prefilled in a step do not decode in it.
    otherTokens = (cost.moeGroups - 1) * (nd * tokensPerDecode + f * t)
    const others = Math.max(0, ((N - 1) * nd) / N)
    const ndSeen = nd > 0 ? 1 + others : 0
    const besidePrefill = Math.max(0, N - Math.max(1, t / isl))
    const decoding = cohorts ? N : ndSeen
    const decodeStepSeconds = step(decoding, 0)
    const mixedStepSeenSeconds = step(Math.min(ndSeen, Math.max(1, besidePrefill)), t)
    const mixedStepSeconds = step(Math.min(others, besidePrefill), t)
    // A decoding request sees the prefill steps of the others, not its own. Attention groups that share
    // the MoE (data-parallel attention) step in lockstep, every layer's experts waiting for all groups'
    // tokens, so a step that carries a prompt in any group is as long for all of them.
    const ownGroup = N > 1 ? f * (1 - 1 / N) : 0
    const seen = cohorts ? 0 : 1 - (1 - ownGroup) * (1 - f) ** (cost.moeGroups - 1)
    const tauNew = seen * mixedStepSeenSeconds + (1 - seen) * decodeStepSeconds
    const ownPrefillSeconds = chunks * mixedStepSeconds
    const delaySeconds = (e.join_steps + decodeSteps) * tauNew + e.ttft_overhead_ms / 1000 + sync * wave + waveTail
    const [xNew, residenceMva] = prefillMva(N, (1 - sync) * ownPrefillSeconds, (1 - sync) * (isl / budget) * mixedStepSeconds, delaySeconds)
    const prefillResidenceSeconds = sync < 1 ? residenceMva / (1 - sync) : ownPrefillSeconds
    converged = Math.abs(tauNew - tau) <= 1e-7 * tau && Math.abs(xNew - x) <= 1e-7 * x
    tau = 0.5 * tau + 0.5 * tauNew
    x = 0.5 * x + 0.5 * xNew
    const decodeHostSeconds = hostStepMs(e, decoding) / 1000
    state = {meanDecodeBatch: cohorts ? N : nd, mixedStepShare: seen, prefillTokensPerMixedStep: t, decodeStepSeconds, decodeHostSeconds, mixedStepSeconds, prefillResidenceSeconds, ownPrefillSeconds}
  }
  // Preempted requests sit at the head of the queue: their contexts are prefilled again before a new request's.
  const recompute = preempted > 0 ? ((preempted * kvTokens) / w.maxPrefillTokens) * state.mixedStepSeconds : 0
  const admission = waiting / x + recompute
  const join = e.join_steps * tau
  const ttft = admission + join + (1 - sync) * state.prefillResidenceSeconds + sync * wave + e.ttft_overhead_ms / 1000
  // Closed loop, C = X (TTFT + (osl - 1) TPOT): a preempted request's pauses land in its TPOT.
  // The wave's later batches, between a request's first token and its second, spread over its tokens.
  const wavePause = osl > 1 ? waveTail / (osl - 1) : 0
  const tpot = (preempted > 0 && osl > 1 ? Math.max(tau / perStep, (C / x - ttft) / (osl - 1)) : tau / perStep) + wavePause
  const frontend = frontendWaitSeconds(e, C, osl, x)
  const served = C / (C / x + frontend)
  return {
    ttftMs: (ttft + frontend) * 1000,
    tpotMs: tpot * 1000,
    requestsPerSecond: served,
    outputTokensPerGpuPerSecond: (served * osl) / w.tp,
    running,
    preempted,
    waiting,
    kvPoolGiB: kvPoolBytesPerGpu / GiB,
    kvCapacity,
    ...(memoryShortfall ? {memoryShortfall} : {}),
    ...(e.chunked_prefill === false ? {wholePromptsPerStep: promptsPerStep(w.maxPrefillTokens, isl)} : {}),
    ...(cost.moeGroups > 1 ? {lockstepGroups: cost.moeGroups} : {}),
    meanDecodeBatch: state.meanDecodeBatch,
    mixedStepShare: state.mixedStepShare,
    prefillTokensPerMixedStep: cohorts ? waveBudget : state.prefillTokensPerMixedStep,
    decodeStepMs: state.decodeStepSeconds * 1000,
    wavePauseMs: wavePause * 1000,
    decodeHostMs: state.decodeHostSeconds * 1000,
    // Without mixed chunks the steps that carry prefill are the wave's prefill batches.
    mixedStepMs: (cohorts ? waveStep : state.mixedStepSeconds) * 1000,
    ttftParts: {
      admissionMs: admission * 1000,
      joinMs: join * 1000,
      prefillMs: state.ownPrefillSeconds * 1000,
      // The mean-value analysis gives a residence >= the own prefill; rounding can leave it a hair below when nothing queues.
      prefillQueueMs: Math.max(0, state.prefillResidenceSeconds - state.ownPrefillSeconds) * 1000,
      // Very short prompts can wait less in a wave (steps of an idle engine) than spread out (steps beside decodes): it adds nothing then.
      openingWaveMs: cohorts ? 0 : Math.max(0, sync * (wave - state.prefillResidenceSeconds)) * 1000,
      overheadMs: e.ttft_overhead_ms,
      frontendMs: frontend * 1000,
    },
    iterations,
    converged,
  }
}
