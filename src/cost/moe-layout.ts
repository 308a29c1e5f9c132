/**
 * How a MoE layer's routed experts are spread over the GPUs. Attention runs
 * in `replicas` groups of tp GPUs; the MoE spans all W GPUs as moeTp x moeEp:
 * moeEp GPUs hold E / moeEp experts each, every expert split moeTp ways by
 * width. The reference's reading (and the default without --moe-ep) is
 * moeEp = W / tp: expert parallelism across the attention groups, tensor
 * parallelism inside each.
 *
 * @example moeLayout({experts: 256, intermediate: 2048, worldSize: 8, tp: 8}) // moeTp 8, moeEp 1: 256 experts of width 256 per GPU
 * @example moeLayout({experts: 256, intermediate: 2048, worldSize: 8, tp: 8, moeEp: 8}) // moeTp 1: 32 experts of width 2048 per GPU
 */
export interface MoeLayout {
  replicas: number
  moeEp: number
  moeTp: number
  /** Routed experts on one GPU (fractional when moeEp does not divide E: redundant experts). */
  localExperts: number
  /** Width of one expert on one GPU. */
  width: number
}

export interface MoeLayoutInput {
  experts: number
  intermediate: number
  worldSize: number
  tp: number
  /** Expert-parallel size over all GPUs; W / tp when absent. */
  moeEp?: number
}

export function moeLayout(input: MoeLayoutInput): MoeLayout {
  const replicas = Math.floor(input.worldSize / input.tp)
  const moeEp = input.moeEp ?? replicas
  const moeTp = input.worldSize / moeEp
  return {replicas, moeEp, moeTp, localExperts: input.experts / moeEp, width: Math.floor(input.intermediate / moeTp)}
}
