import {describe, expect, it} from 'vitest'
import {frontierX} from '../../src/sweep/aggregate.js'
import {loadSweepInputs} from '../../src/sweep/inputs.js'
import {runSweep, type SweepRequest} from '../../src/sweep/run.js'
import {prefillGpusPerDecodeGpu, systemTgs} from '../../src/sweep/plan.js'
import type {SweepPoint, SweepSpace, Workload} from '../../src/sweep/types.js'
import {bruteFrontier, dominates} from './helpers.js'

const space = (over: Partial<SweepSpace> = {}): SweepSpace => ({
  gpus: ['H20'],
  minGpus: 1,
  maxGpus: 8,
  fp8Kv: 'auto',
  deepep: 'auto',
  tbo: 'auto',
  prefillTokens: [4096, 8192],
  maxDecodeBatch: 256,
  refine: {prefill: true, decode: true},
  ...over,
})

async function sweep(model: string, over: Partial<SweepRequest> & {space?: SweepSpace; workload?: Workload} = {}) {
  const inputs = loadSweepInputs({model, gpus: ['H20'], profile: 'default'})
  const points: SweepPoint[] = []
  const outcome = await runSweep({
    ...inputs,
    space: space(),
    workload: {isl: 4096, osl: 1024, tpotMax: 40, ttftMax: 3000},
    workers: 0,
    top: 5,
    command: {model},
    onPoint: (p) => points.push(p),
    ...over,
  })
  return {...outcome, points}
}

const xy = (p: Pick<SweepPoint, 'phase' | 'latencyMs' | 'tgs'>) => ({x: frontierX(p), y: p.tgs})

describe('runSweep', () => {
  it('the frontiers equal the brute-force frontiers of every simulated point, and no point dominates a frontier point', async () => {
    const {points, fullFrontiers, result} = await sweep('qwen3-30b-a3b')
    expect(points.length).toBe(result.counts.simulations.total)
    for (const phase of ['decode', 'prefill'] as const) {
      const all = points.filter((p) => p.phase === phase).map(xy)
      const frontier = fullFrontiers[phase].map(xy)
      expect(frontier.map((p) => `${p.x}|${p.y}`)).toEqual(bruteFrontier(all))
      for (const f of frontier) expect(all.some((q) => dominates(q, f))).toBe(false)
      // The reported frontier is the part within the target.
      const target = phase === 'decode' ? 40 : 3000
      expect(result.frontiers[phase]).toEqual(fullFrontiers[phase].filter((p) => p.latencyMs <= target))
    }
  })

  it('refines the decode grid near the frontier and finds the largest batch meeting the TPOT target', async () => {
    const {points, result, layouts} = await sweep('qwen3-30b-a3b')
    expect(result.counts.simulations.refinement).toBeGreaterThan(0)
    const isPow2 = (v: number) => (v & (v - 1)) === 0
    expect(result.frontiers.decode.some((p) => !isPow2(p.value))).toBe(true)
    for (const t of result.top) {
      const index = layouts.findIndex((l) => l.worldSize === t.layout.worldSize && l.tp === t.layout.tp && l.weights.resolved === t.layout.weights && l.fp8Kv === t.layout.fp8Kv && l.deepep === t.layout.deepep && l.tbo === t.layout.tbo)
      const decode = points.filter((p) => p.layout === index && p.phase === 'decode')
      const next = decode.find((p) => p.value === t.decode.value + 1)
      // The batch above the chosen one was simulated and misses the target (or does not fit).
      if (t.decode.value < Math.min(layouts[index].maxBatch, 256)) expect(next && next.latencyMs > 40).toBe(true)
    }
  })

  it('top deployments meet both targets and are ranked by system throughput', async () => {
    const {result} = await sweep('qwen3-30b-a3b')
    expect(result.top.length).toBe(5)
    for (const t of result.top) {
      expect(t.prefill.latencyMs).toBeLessThanOrEqual(3000)
      expect(t.decode.latencyMs).toBeLessThanOrEqual(40)
      expect(t.systemTgs).toBeCloseTo(systemTgs(result.workload, t.prefill.tgs, t.decode.tgs), 9)
    }
    const s = result.top.map((t) => t.systemTgs)
    expect([...s].sort((a, b) => b - a)).toEqual(s)
    expect(result.binding).toEqual([])
  })

  it('the disaggregated plan balances the phases and stays within the GPU budget', async () => {
    const {result} = await sweep('qwen3-30b-a3b')
    const w = {isl: 4096, osl: 1024}
    for (const d of result.disaggregated) {
      const r = prefillGpusPerDecodeGpu(w, d.prefill.pick.tgs, d.decode.pick.tgs)
      // r prefill GPUs make exactly the requests one decode GPU finishes.
      expect((r * d.prefill.pick.tgs) / w.isl).toBeCloseTo(d.decode.pick.tgs / w.osl, 9)
      expect(d.gpus).toBeLessThanOrEqual(8)
      expect(d.gpus).toBe(d.prefill.instances * d.prefill.layout.worldSize + d.decode.instances * d.decode.layout.worldSize)
      expect(d.systemTgs).toBeLessThanOrEqual(d.balancedSystemTgs * (1 + 1e-12))
      expect(d.prefill.pick.latencyMs).toBeLessThanOrEqual(3000)
      expect(d.decode.pick.latencyMs).toBeLessThanOrEqual(40)
    }
    expect(result.disaggregated.length).toBe(1)
  })

  it('worker threads give the same frontiers and top deployments as one thread', async () => {
    const one = await sweep('qwen3-30b-a3b', {workers: 0})
    const two = await sweep('qwen3-30b-a3b', {workers: 2})
    expect(two.result.timing.workers).toBe(2)
    expect(two.fullFrontiers).toEqual(one.fullFrontiers)
    expect(two.result.top).toEqual(one.result.top)
    expect(two.result.counts).toEqual(one.result.counts)
  })

  it('impossible targets: empty frontiers and the binding constraints with the nearest point', async () => {
    const {result} = await sweep('qwen3-8b', {workload: {isl: 4096, osl: 1024, tpotMax: 1, ttftMax: 5}})
    expect(result.frontiers.decode).toEqual([])
    expect(result.frontiers.prefill).toEqual([])
    expect(result.top).toEqual([])
    expect(result.binding.map((b) => b.constraint).sort()).toEqual(['tpot', 'ttft'])
    const tpot = result.binding.find((b) => b.constraint === 'tpot')!
    expect(tpot.nearest!.value).toBeGreaterThan(1)
    expect(tpot.message).toContain(`${tpot.nearest!.value.toFixed(2)} ms`)
  })

  it('a model that fits nowhere: memory binds, nothing is simulated', async () => {
    const {result, points} = await sweep('deepseek-v3', {space: space({maxGpus: 4})})
    expect(points).toEqual([])
    expect(result.binding.map((b) => b.constraint)).toEqual(['memory'])
    expect(result.binding[0].message).toMatch(/GiB short/)
    expect(result.counts.skipped.memory).toBeGreaterThan(0)
  })
})
