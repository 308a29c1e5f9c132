/**
 * Routing distributions of expert-parallel MoE lookups. Wide-EP tables
 * measure the hottest GPU of the group under uniform routing and under
 * power-law skews (power_law_<a>, a larger a = more skew).
 */
export const MOE_DISTRIBUTION = /^(uniform|power_law_\d+(\.\d+)?)$/

/**
 * What the wide-EP lookups assume unless the deployment says (--moe-distribution):
 * the mildest measured skew. Real traffic routes unevenly even with expert
 * load balancing; SGLang's large-scale EP measurements of DeepSeek-V3 on
 * H100 (prefill on 32 GPUs, decode on 72) are within 3% under power_law_0.6
 * and 10-25% too fast under uniform routing (docs/profiles.md). Synthetic
 * benchmarks with random tokens route close to uniform: pass
 * --moe-distribution uniform for those.
 */
export const DEFAULT_MOE_DISTRIBUTION = 'power_law_0.6'
