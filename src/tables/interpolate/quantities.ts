/**
 * What each kernel family blends between measured rows, chosen by the
 * leave-one-out score (`infersim tables score --quantities`). Rule: the
 * lowest mean of median and p90 absolute % error of the hidden rows' MFU
 * over every bundled table; within 0.25 points, the simpler quantity.
 * Median/p90 % for mfu | latency | utilisation, all bundled tables
 * (InferSim H20/H800 and the AIConfigurator import, 554,599 points):
 *   gemm          4.9/18.7 |  4.6/18.2 |  4.5/18.2   -> latency (tie)
 *   mha-decode   20.1/30.3 |  3.5/21.0 |  4.9/21.1   -> latency
 *   mha-prefill   8.9/76.3 |  6.3/26.3 |  6.6/28.5   -> latency
 *   mla-decode   10.8/25.7 |  2.3/11.0 |  3.1/11.3   -> latency
 *   mla-prefill   6.3/61.7 |  4.7/27.7 |  4.7/28.8   -> latency
 *   moe-decode    2.9/14.7 |  1.7/12.3 |  1.7/12.6   -> latency
 *   moe-prefill   3.0/13.7 |  2.4/13.5 |  2.3/13.6   -> latency (tie)
 * The InferSim tables alone (1,799 points) agree but for small margins:
 * utilisation wins moe-decode (8.2/24.5 vs 9.3/26.8) and mla-decode
 * (2.0/9.5 vs 3.0/10.0); mfu ties the prefill families (5 rows a table).
 * Decode kernels are bandwidth-bound: their MFU is small and its changes
 * relative, which a log blend follows and a linear one does not.
 */
import type {Quantity} from './kernel-grid.js'

export const KERNEL_FAMILIES = ['gemm', 'mha-decode', 'mha-prefill', 'mla-decode', 'mla-prefill', 'moe-decode', 'moe-prefill'] as const
export type KernelFamily = (typeof KERNEL_FAMILIES)[number]

export const CHOSEN_QUANTITY: Record<KernelFamily, Quantity> = {
  gemm: 'latency',
  'mha-decode': 'latency',
  'mha-prefill': 'latency',
  'mla-decode': 'latency',
  'mla-prefill': 'latency',
  'moe-decode': 'latency',
  'moe-prefill': 'latency',
}

/** Scores closer than this (percentage points) are a tie, won by the simpler quantity. */
const TIE = 0.25
const SIMPLEST_FIRST: readonly Quantity[] = ['mfu', 'latency', 'utilisation']

/** The selection rule above, for a family's scores per quantity. */
export function bestQuantity(scores: Partial<Record<Quantity, {median: number; p90: number}>>): Quantity | undefined {
  const score = (q: Quantity) => {
    const s = scores[q]
    return s && s.median + s.p90 >= 0 ? (s.median + s.p90) / 2 : Infinity
  }
  const lowest = Math.min(...SIMPLEST_FIRST.map(score))
  return Number.isFinite(lowest) ? SIMPLEST_FIRST.find((q) => score(q) <= lowest + TIE) : undefined
}

/** The family of a table path; undefined for tables the simulator does not read as MFU (GDN, DSA, comm). */
export function familyOfPath(path: string): KernelFamily | undefined {
  const [kind, phase] = path.split('/')
  if (kind === 'gemm') return 'gemm'
  if ((kind === 'mha' || kind === 'mla') && (phase === 'decode' || phase === 'prefill')) return `${kind}-${phase}`
  if (kind === 'grouped_gemm' && (phase === 'decode' || phase === 'prefill')) return `moe-${phase}`
  return undefined
}
