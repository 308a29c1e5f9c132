/**
 * Replays AIConfigurator's own MoE expert-compute lookup (90 queries on its
 * H200 wide-EP tables, test/fixtures/moe-oracle) through infersim's wide-EP
 * lookup: median error within 5% where AIConfigurator answered from a row or
 * by interpolating between rows; every other kind is reported.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadTableSet} from '../../src/io/tables.js'
import {defaultInterpolator} from '../../src/tables/interpolate/index.js'
import {tablePaths} from '../../src/tables/paths.js'
import {ROOT} from '../helpers/cli.js'

const DIR = path.join(ROOT, 'test', 'fixtures', 'moe-oracle')
/** H200 SXM dense FP8 tensor peak, TFLOP/s (NVIDIA H200 datasheet: 3,958 with sparsity). */
const H200_FP8_TFLOPS = 1978
/** H200 SXM HBM3e bandwidth 4.8 TB/s x the 0.8 efficiency the tables were read with. */
const ENV = {memBw: 4800 * 0.8}

interface Sample {
  distribution: string
  hidden_size: number
  inference_phase: 'context' | 'generation'
  inter_size: number
  kind: string
  latency_ms: number
  moe_ep_size: number
  num_experts: number
  num_tokens: number
  topk: number
}

const samples = (JSON.parse(readFileSync(path.join(DIR, 'moe_expert_compute_oracle.json'), 'utf8')) as {samples: Sample[]}).samples
const tables = loadTableSet(DIR)

/** infersim's latency for one query, ms: the distribution's table (uniform when the name is unknown), MFU back to time. */
function predictMs(s: Sample): number | undefined {
  const phase = s.inference_phase === 'context' ? 'prefill' : 'decode'
  const known = tables.has(tablePaths.wideEp('h200-sxm', phase, s.distribution))
  const table = tablePaths.wideEp('h200-sxm', phase, known ? s.distribution : 'uniform')
  const ep = s.moe_ep_size
  const key = {experts: s.num_experts, gpus: ep, localExperts: s.num_experts / ep, topk: s.topk, hidden: s.hidden_size, intermediate: s.inter_size}
  const tokens = s.num_tokens / ep
  const mfu = defaultInterpolator.wideEp(tables, table, phase, key, tokens, ENV)
  if (!mfu) return undefined
  const flops = 2 * s.hidden_size * s.inter_size * tokens * s.topk * 3
  return (flops / (mfu.value * H200_FP8_TFLOPS * 1e12)) * 1000
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

describe("AIConfigurator's MoE expert-compute oracle", () => {
  const errors = new Map<string, number[]>()
  for (const s of samples) {
    const got = predictMs(s)
    const err = got === undefined ? Infinity : Math.abs(got / s.latency_ms - 1)
    errors.set(s.kind, [...(errors.get(s.kind) ?? []), err])
  }

  it('answers all 90 queries', () => {
    expect(samples).toHaveLength(90)
    for (const list of errors.values()) for (const e of list) expect(Number.isFinite(e)).toBe(true)
  })

  it('matches exact rows and interpolations along num_tokens: median error within 5%', () => {
    const report = [...errors].map(([kind, list]) => `${kind}: ${list.length} queries, median ${(100 * median(list)).toFixed(1)}%, max ${(100 * Math.max(...list)).toFixed(1)}%`)
    console.log(`MoE oracle replay (H200 wide-EP):\n  ${report.join('\n  ')}`)
    expect(median(errors.get('exact')!)).toBeLessThan(0.05)
    expect(median(errors.get('token_interp')!)).toBeLessThan(0.05)
  })
})
