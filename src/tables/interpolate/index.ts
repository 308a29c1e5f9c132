/**
 * The default profile's MFU lookups (the interpolateMfu switch): exact where measured,
 * interpolated inside a table's grid, extrapolated (utilisation held)
 * outside it, borrowed from the nearest measured shape when a shape has no
 * table, and undefined when nothing is close, so the resolver falls back.
 */
import type {Interpolator} from '../resolver.js'
import {lookupDecodeAttention, lookupPrefillAttention} from './attention.js'
import {lookupGemmIn} from './gemm.js'
import {lookupGroupedGemm, lookupWideEp} from './grouped-gemm.js'
import {dtypeTablePath} from './lookup.js'
import {CHOSEN_QUANTITY, type KernelFamily} from './quantities.js'
import type {Quantity} from './kernel-grid.js'

export {bestQuantity, CHOSEN_QUANTITY, familyOfPath, KERNEL_FAMILIES, type KernelFamily} from './quantities.js'
export type {Quantity} from './kernel-grid.js'

/** An interpolator blending, per kernel family, the given quantity (the chosen ones by default). */
export function createInterpolator(quantities: Partial<Record<KernelFamily, Quantity>> = {}): Interpolator {
  const q = {...CHOSEN_QUANTITY, ...quantities}
  return {
    gemm: (tables, path, m, k, n, env = {}) => {
      const table = tables.get(dtypeTablePath(tables, path, env))
      return table && lookupGemmIn(table, m, k, n, env, q.gemm)
    },
    decodeAttention: (tables, path, batch, kvLen, fp8Kv, env = {}) =>
      lookupDecodeAttention(tables, path, batch, kvLen, fp8Kv, env, path.startsWith('mla/') ? q['mla-decode'] : q['mha-decode']),
    prefillAttention: (tables, path, seqLen, env = {}) =>
      lookupPrefillAttention(tables, path, seqLen, env, path.startsWith('mla/') ? q['mla-prefill'] : q['mha-prefill']),
    groupedGemm: (tables, path, phase, key, tokens, env = {}) =>
      lookupGroupedGemm(tables, dtypeTablePath(tables, path, env), phase, key, tokens, env, phase === 'decode' ? q['moe-decode'] : q['moe-prefill']),
    wideEp: (tables, path, phase, key, tokens, env = {}) => lookupWideEp(tables, path, phase, key, tokens, env, phase === 'decode' ? q['moe-decode'] : q['moe-prefill']),
  }
}

export const defaultInterpolator: Interpolator = createInterpolator()
