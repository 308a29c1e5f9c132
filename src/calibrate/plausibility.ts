/**
 * Measured serving runs whose prompts their GPUs cannot have prefilled. At a
 * run's measured request rate (closed loop: concurrency / (TTFT + (osl - 1)
 * TPOT) per replica), every request's prompt takes its kernel time, read from
 * the kernel tables through the serving step model (src/serving/step-cost.ts)
 * at its best: steps of PROMPT_STEP_TOKENS tokens or the whole prompt, no
 * engine overhead, no decode beside it. A share of the replica's time above
 * 1 is more time than there is. Prompts that were cached, or shorter than the
 * row says, do that.
 *
 * Such a run stays a measurement: it is named, and kept in the fit and in
 * every figure. Left out of the fit, it changed little: with the 12 runs of
 * the bundled files left out, the fits held out TTFT 0.1-0.4 points worse
 * (a GPU, a model, a version held out) and TPOT the same.
 *
 * @example
 * // 64 clients, TTFT 122 ms, TPOT 9.74 ms, 100 tokens out: 58.9 requests/s; 25 ms of kernels a prompt: 147% of the time
 * promptTimeShare({concurrency: 64, ttftMs: 122, tpotMs: 9.74, osl: 100, promptSeconds: 0.025}) // 1.47
 */
import type {ServingWorkload} from '../serving/mean-field.js'
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
