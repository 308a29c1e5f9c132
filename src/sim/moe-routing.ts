/**
 * Routing distributions of expert-parallel MoE lookups. Wide-EP tables
 * measure the hottest GPU of the group under uniform routing and under
 * power-law skews (power_law_<a>, a larger a = more skew).
 */
export const MOE_DISTRIBUTION = /^(uniform|power_law_\d+(\.\d+)?)$/

/** What the wide-EP lookups assume unless the deployment says (--moe-distribution). */
export const DEFAULT_MOE_DISTRIBUTION = 'uniform'
