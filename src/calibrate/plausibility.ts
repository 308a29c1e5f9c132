/**
 * Measured serving runs whose prompts their GPUs cannot have prefilled. At a
 * run's measured request rate (closed loop: concurrency / (TTFT + (osl - 1)
 * TPOT) per replica), every request's prompt takes its kernel time, read from
 * the kernel tables through the serving step model (src/serving/step-cost.ts)
 * at its best: steps of PROMPT_STEP_TOKENS tokens or the whole prompt, no
 * engine overhead, no decode beside it. A share of the replica's time above
 * 1 is more time than there is. Prompts that were cached, or shorter than the
 * row says, do that. Decode likewise: at the measured TPOT, a step of the
 * run's mean decoding requests against the tables' kernels for it; a run
 * more than DECODE_MARGIN faster made several tokens a step (speculative
 * decoding) or ran a smaller KV cache or faster kernels than the row says.
 *
 * Such a run stays a measurement: it is named, and kept in the fit and in
 * every figure. Left out of the fit, it changed little and for the worse:
 * with the 46 runs of the bundled files that need more than 1.2x their
 * GPUs' time left out, TTFT with a GPU held out went 31.2% -> 32.1%, TPOT
 * stayed 14.8%.
 *
 * @example
 * // 64 clients, TTFT 122 ms, TPOT 9.74 ms, 100 tokens out: 58.9 requests/s; 25 ms of kernels a prompt: 147% of the time
 * promptTimeShare({concurrency: 64, ttftMs: 122, tpotMs: 9.74, osl: 100, promptSeconds: 0.025}) // 1.47
 */
import {AS_MEASURED, forwardKernelSeconds, type ServingWorkload} from '../serving/mean-field.js'
import type {Speculative} from '../serving/speculative.js'
import type {StepCost} from '../serving/step-cost.js'

/**
 * Tokens of the prefill steps the floor assumes: a step this large is as
 * efficient as a step gets (the kernel tables' GEMMs are at their best MFU
 * well before), and no engine's default budget is larger (SGLang's 16,384).
 */
export const PROMPT_STEP_TOKENS = 16384

/** Kernel seconds of one prompt of `isl` tokens, prefilled in the most efficient steps the engines run: a floor. */
export function promptSeconds(cost: StepCost, isl: number): number {
  const tokens = Math.max(isl, PROMPT_STEP_TOKENS)
  // The routed experts see the tokens of every attention group that shares them; each group's own go through.
  const perToken = (cost.gemmSeconds(tokens) + cost.moeSeconds(tokens * cost.moeGroups) + cost.commSeconds(tokens)) / tokens
  return isl * perToken + cost.prefillAttentionSeconds + cost.lmHeadSeconds(1)
}

/** Share of a replica's time its prompts take at the measured request rate. */
export function promptTimeShare(r: {concurrency: number; ttftMs: number; tpotMs: number; osl: number; promptSeconds: number}): number {
  const requestsPerSecond = r.concurrency / ((r.ttftMs + Math.max(0, r.osl - 1) * r.tpotMs) / 1000)
  return requestsPerSecond * r.promptSeconds
}

/** Why a measured run's prompts are more than its GPUs can prefill; undefined when they are not. */
export function promptsBeyondKernels(id: string, cost: StepCost, w: ServingWorkload, ttftMs: number, tpotMs: number): string | undefined {
  const seconds = promptSeconds(cost, w.isl)
  const share = promptTimeShare({concurrency: w.concurrency, ttftMs, tpotMs, osl: w.osl, promptSeconds: seconds})
  if (!(share > 1)) return undefined
  return (
    `run ${id}: at its measured rate its prompts alone need ${(share * 100).toFixed(1)}% of its GPUs' time at the kernel tables' speed ` +
    `(${(seconds * 1000).toFixed(1)} ms of kernels for a ${w.isl}-token prompt): they were likely cached or shorter than the row says; kept in the fit`
  )
}

/**
 * How much faster than its kernels a run may decode before it is named: the
 * tables time SGLang's kernels, and an engine's own can be faster (on the
 * H100 runs, TensorRT-LLM's Qwen3-235B TPOT is 0.81-0.90x the tables'
 * kernel time of its steps). Beyond a quarter faster, something the row
 * does not say makes the steps shorter.
 */
export const DECODE_MARGIN = 1.25


/**
 * Kernel seconds of one decode step of `requests` requests at the mean KV length (every group sharing the MoE
 * as many): the tables' kernels, no engine overhead. With speculative decoding, a step of draft and verify
 * over the tokens it gives a request (acceptLength), as the step per token it stands for.
 */
export function decodeStepSeconds(cost: StepCost, requests: number, spec?: Speculative): number {
  const tokensPerRequest = spec ? spec.draftTokens + 1 : 1
  return forwardKernelSeconds(cost, AS_MEASURED, 1, requests, 0, requests * tokensPerRequest * (cost.moeGroups - 1), spec) / (spec?.acceptLength ?? 1)
}

/**
 * Requests decoding at once, on average, in a closed loop: each of the
 * concurrency's requests spends (osl - 1) TPOT of its TTFT + (osl - 1) TPOT
 * cycle decoding.
 *
 * @example
 * meanDecoding({concurrency: 8, ttftMs: 500, tpotMs: 10, osl: 51}) // 8 * 500 / 1000 = 4
 */
export function meanDecoding(r: {concurrency: number; ttftMs: number; tpotMs: number; osl: number}): number {
  const decoding = Math.max(0, r.osl - 1) * r.tpotMs
  return (r.concurrency * decoding) / (r.ttftMs + decoding)
}

/** Why a measured run decodes faster than its kernels allow; undefined when it does not. */
export function decodeBeyondKernels(id: string, cost: StepCost, w: ServingWorkload, ttftMs: number, tpotMs: number): string | undefined {
  const requests = Math.max(1, Math.round(meanDecoding({concurrency: w.concurrency, ttftMs, tpotMs, osl: w.osl})))
  // A run that names its speculative decoding (mtp) makes acceptLength tokens a step of the draft and the verify.
  const spec = w.speculative
  const kernelMs = decodeStepSeconds(cost, requests, spec) * 1000
  if (!(kernelMs > DECODE_MARGIN * tpotMs)) return undefined
  if (spec) {
    return (
      `run ${id}: it decodes a token every ${tpotMs.toFixed(2)} ms, where the kernel tables take ${kernelMs.toFixed(2)} ms a token for its ${requests} requests at the ${spec.draftTokens} draft tokens and the acceptance length ${+spec.acceptLength.toFixed(2)} it names ` +
      `(${(kernelMs / tpotMs).toFixed(2)}x): more tokens accepted a step, an FP8 KV cache or faster kernels than the tables time; kept in the fit`
    )
  }
  return (
    `run ${id}: it decodes a token every ${tpotMs.toFixed(2)} ms, where the kernel tables take ${kernelMs.toFixed(2)} ms for a step of its ${requests} requests ` +
    `(${(kernelMs / tpotMs).toFixed(2)}x): speculative decoding (several tokens a step), an FP8 KV cache or faster kernels than the tables time, none of which the row says; kept in the fit`
  )
}
