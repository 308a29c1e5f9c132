import {describe, expect, it} from 'vitest'
import {loadEngine} from '../../../src/io/engines.js'
import {loadSimInputs} from '../../../src/io/inputs.js'
import {simulateServing} from '../../../src/serving/simulate.js'
import {DEFAULT_DEPLOYMENT} from '../../../src/sim/deployment.js'
import type {RankedPlan} from '../../../src/sweep/serving/result.js'
import {renderServingText} from '../../../src/sweep/serving/text.js'

type AggregatedPlan = Extract<RankedPlan, {mode: 'aggregated'}>
import {bruteFrontier, dominates} from '../helpers.js'
import {FIXTURE_ACCURACY, fixtureEngineDir, servingSweep, smallSpace} from './helpers.js'

const ISL = 1024
const OSL = 256

/**
 * Every serving unit of the small space, written out by hand: Qwen3-30B-A3B (128 experts) on at most
 * 2 H100s, FP8 weights: TP1; TP2 with MoE TP2 or MoE EP2; attention DP2 + EP2 (one node: no DeepEP by default).
 */
const HAND_UNITS = [
  {worldSize: 1, tp: 1, moeEp: 1},
  {worldSize: 2, tp: 2, moeEp: 1},
  {worldSize: 2, tp: 2, moeEp: 2},
  {worldSize: 2, tp: 1, moeEp: 1},
]

describe('runServingSweep', () => {
  it('each engine\'s frontier is non-dominated and equals the brute-force frontier of every deployment of the space', async () => {
    const {result} = await servingSweep('qwen3-30b-a3b')
    expect(result.counts.layouts).toBe(3 * HAND_UNITS.length)
    const inputs = loadSimInputs({model: 'qwen3-30b-a3b', gpu: 'H100-SXM', profile: 'default'})
    for (const name of ['sglang', 'vllm', 'trtllm']) {
      // Brute force: simulateServing at every unit, concurrency and budget; a deployment fills the 2 GPUs with units.
      const all: {x: number; y: number}[] = []
      for (const u of HAND_UNITS) {
        for (const c of [1, 4, 16, 64]) {
          const d = {...DEFAULT_DEPLOYMENT, worldSize: u.worldSize, tp: u.tp, fp8Gemm: true, maxPrefillTokens: 8192, isl: ISL, osl: OSL}
          // moe-ep as simulate takes it: EP inside the TP group where the unit sets one, else the default (EP over the data-parallel groups)
          const moeEp = u.moeEp > 1 ? u.moeEp : undefined
          // chunked prefill on, as the sweep launches every engine (TensorRT-LLM's launch YAML turns it on)
          const r = simulateServing(inputs.model, d, inputs.gpu, inputs.tables, inputs.profile, {concurrency: c, engine: loadEngine(name), moeEp, maxPrefillTokens: 8192, chunkedPrefill: true})
          if (r.ttftMs <= 2000 && r.tpotMs <= 40) all.push({x: 1000 / r.tpotMs, y: r.outputTokensPerGpuPerSecond})
        }
      }
      const frontier = result.frontiers.find((f) => f.engine === name)!.points.map((p) => ({x: p.figures.userTps, y: p.figures.tgs}))
      expect(frontier.length).toBeGreaterThan(0)
      expect(frontier.map((p) => `${p.x}|${p.y}`)).toEqual(bruteFrontier(all))
      for (const f of frontier) expect(all.some((q) => dominates(q, f))).toBe(false)
    }
  })

  it('ranks each unit\'s best deployment within the targets by output tokens/GPU/s', async () => {
    const {result, points, layouts} = await servingSweep('qwen3-30b-a3b')
    const tgs = result.top.map((t) => t.figures.tgs)
    expect([...tgs].sort((a, b) => b - a)).toEqual(tgs)
    expect(result.top.map((t) => t.rank)).toEqual(result.top.map((_, i) => i + 1))
    for (const t of result.top as AggregatedPlan[]) {
      expect(t.figures.ttftMs).toBeLessThanOrEqual(2000)
      expect(t.figures.tpotMs).toBeLessThanOrEqual(40)
      const index = layouts.findIndex((l) => l.engine === result.engines.findIndex((e) => e.name === t.engine) && l.worldSize === t.layout.worldSize && l.tp === t.layout.tp && l.kind === t.layout.kind && (l.kind === 'dp-ep' || l.moeEp === t.layout.moeEp))
      const better = points.filter((p) => p.layout === index && p.ttftMs <= 2000 && p.tpotMs <= 40 && p.tgs > t.figures.tgs)
      expect(better).toEqual([])
      // One unit of 1 GPU fills the 2-GPU budget twice; a 2-GPU unit once.
      expect(t.units).toBe(2 / t.layout.worldSize)
      expect(t.tokensPerSecond).toBeCloseTo(t.figures.tgs * 2, 9)
    }
  })

  it('worker threads give the same result as one thread', async () => {
    // H20: the InferSim tables are small, so starting the workers (each copies the tables) stays cheap.
    const space = smallSpace({engines: ['sglang'], gpus: ['H20']})
    const one = (await servingSweep('qwen3-30b-a3b', {space})).result
    const two = (await servingSweep('qwen3-30b-a3b', {space, workers: 2})).result
    expect(two.timing.workers).toBe(2)
    expect(one.counts.evaluations).toBe(HAND_UNITS.length * 4) // every unit at the 4 concurrencies of the grid
    expect(one.top.length).toBeGreaterThan(0)
    expect({...two, timing: undefined}).toEqual({...one, timing: undefined})
  })

  it('a request rate to sustain: the fewest units that finish it, and tokens/GPU/s are what it delivers', async () => {
    const rate = 12
    const {result, points, layouts} = await servingSweep('qwen3-30b-a3b', {
      space: smallSpace({maxGpus: 8, engines: ['sglang']}),
      targets: {isl: ISL, osl: OSL, ttftMax: 2000, tpotMax: 40, sustain: {kind: 'rate', requestsPerSecond: rate}},
    })
    expect(result.top.length).toBeGreaterThan(0)
    for (const t of result.top as AggregatedPlan[]) {
      const l = layouts.find((x) => x.worldSize === t.layout.worldSize && x.tp === t.layout.tp && x.kind === t.layout.kind && (x.kind === 'dp-ep' || x.moeEp === t.layout.moeEp))!
      const p = points.find((q) => layouts[q.layout] === l && q.concurrency === t.concurrency && q.budget === t.stepTokens)!
      const perUnit = p.rankRps * l.ranks
      expect(t.units * perUnit).toBeGreaterThanOrEqual(rate)
      expect((t.units - 1) * perUnit).toBeLessThan(rate)
      expect(t.figures.tgs).toBeCloseTo((rate * OSL) / t.gpus, 9)
      expect(t.gpus).toBeLessThanOrEqual(8)
    }
  })

  it('a total concurrency to sustain: each unit runs it spread evenly over its replicas, a fraction where it does not divide', async () => {
    const total = 100
    const {result, points, layouts} = await servingSweep('qwen3-30b-a3b', {
      space: smallSpace({maxGpus: 4, engines: ['vllm'], concurrencies: undefined}),
      targets: {isl: ISL, osl: OSL, ttftMax: 5000, tpotMax: 60, sustain: {kind: 'concurrency', requests: total}},
    })
    const seen = new Set<number>()
    for (const p of points) {
      const l = layouts[p.layout]
      // 100 over 1, 2, 3 or 4 replicas: 100, 50, 33.3334 (100 / 3 rounded up at the fourth decimal), 25.
      const spreads = Array.from({length: Math.floor(4 / l.worldSize)}, (_, i) => [100, 50, 33.3334, 25][(i + 1) * l.ranks - 1])
      expect(spreads).toContain(p.concurrency)
      seen.add(p.concurrency)
    }
    expect(seen).toContain(33.3334)
    for (const t of result.top as AggregatedPlan[]) {
      expect(t.totalConcurrency).toBeGreaterThanOrEqual(total)
      expect(t.totalConcurrency - total).toBeLessThan(t.units * t.layout.dp * 1e-4)
    }
  })

  it('every figure carries its engine\'s error band, and the ranking names the deployments within it', async () => {
    const engineDir = fixtureEngineDir()
    const {result} = await servingSweep('qwen3-30b-a3b', {engineDir})
    const byName = Object.fromEntries(result.engines.map((e) => [e.name, e]))
    expect(byName.vllm.band).toBe('no error band (engine not cross-validated)')
    expect(byName.sglang.band).toMatch(/^TTFT ±20%, TPOT ±10% \(median held-out error over 20 runs, fixture: leave-one-GPU-out; 90% within TTFT ±50%, TPOT ±30%\)$/)
    const top = result.top as AggregatedPlan[]
    expect(new Set(top.map((t) => t.engine))).toEqual(new Set(['sglang', 'vllm', 'trtllm']))
    for (const t of top) {
      const a = FIXTURE_ACCURACY[t.engine]
      if (!a) {
        expect(t.figures.band).toBeUndefined()
        continue
      }
      const {ttftMs: T, tpotMs: P} = t.figures
      // A request takes T + (osl - 1) P: each error weighted by its share of that time.
      const expected = (T * a.ttft.median + (OSL - 1) * P * a.tpot.median) / (T + (OSL - 1) * P)
      expect(t.figures.band).toEqual({ttft: a.ttft.median, tpot: a.tpot.median, tgs: expected})
    }
    for (const t of top) {
      const expected = top
        .filter((u) => u.rank < t.rank && (t.figures.band || u.figures.band))
        .filter((u) => (u.figures.tgs - t.figures.tgs) / u.figures.tgs <= Math.max(t.figures.band?.tgs ?? 0, u.figures.band?.tgs ?? 0))
        .map((u) => u.rank)
      expect(t.withinBandOf).toEqual(expected)
    }
    expect(top.some((t) => t.withinBandOf.length > 0)).toBe(true)
  })

  it('marks the deployments whose replica streams 8,000 tokens/s or more: TTFT likely under-predicted', async () => {
    const space = smallSpace({gpus: ['H200-SXM'], engines: ['vllm'], maxGpus: 1, concurrencies: [8, 512]})
    const {result} = await servingSweep('llama-3.1-8b', {space, targets: {isl: 1000, osl: 1000, sustain: {kind: 'none'}}})
    // Each unit's best deployment is ranked; the frontier keeps the fewer requests too (more tokens/s per user).
    const plans = [...result.top, ...result.frontiers.flatMap((f) => f.points)] as AggregatedPlan[]
    const byConcurrency = new Map(plans.map((t) => [t.concurrency, t]))
    // One H200 replica of an 8B model: 8 requests, each at over 10 ms a token, stream under 800 tokens/s; 512 at under
    // 64 ms a token stream over 8,000 (TPOT here is far below that).
    const few = byConcurrency.get(8)!
    const many = byConcurrency.get(512)!
    expect(few.figures.ttftLikelyLow).toBeUndefined()
    expect(many.figures.tpotMs).toBeLessThan(64)
    expect(many.figures.ttftLikelyLow).toBe(true)
    const text = renderServingText(result)
    expect(text).toMatch(/\(!\) TTFT likely under-predicted: a replica streams 8,000 output tokens\/s or more/)
    expect(text.split('\n').filter((l) => /^\s*\d+\s+vllm\s+agg/.test(l) && l.includes('(!)')).length).toBeGreaterThan(0)
  })

  it('says which target binds when nothing meets them', async () => {
    const ttft = (await servingSweep('qwen3-30b-a3b', {targets: {isl: ISL, osl: OSL, ttftMax: 1, sustain: {kind: 'none'}}})).result
    expect(ttft.top).toEqual([])
    expect(ttft.binding.map((b) => b.constraint)).toEqual(['ttft'])
    expect(ttft.binding[0].message).toMatch(/^TTFT: no deployment reaches TTFT <= 1 ms; the fastest comes to [\d.]+ ms \([\d.]+x the target\) with \w+ H100-SXM/)
    const gpus = (await servingSweep('qwen3-30b-a3b', {targets: {isl: ISL, osl: OSL, tpotMax: 40, sustain: {kind: 'rate', requestsPerSecond: 10_000}}})).result
    expect(gpus.binding.map((b) => b.constraint)).toEqual(['gpus'])
    expect(gpus.binding[0].message).toMatch(/^GPU budget: sustaining 10000 requests\/s within the latency targets needs at least \d+ GPUs \(.*\), above --max-gpus 2$/)
    const memory = (await servingSweep('deepseek-v3', {space: smallSpace({maxGpus: 1, weightFormats: undefined})})).result
    expect(memory.counts.layouts).toBe(0)
    // DeepSeek-V3's FP8 weights (about 640 GiB) on one 80 GB H100: every unit skipped for its weights alone.
    expect(memory.counts.skipped.weights).toBeGreaterThan(0)
    expect(memory.counts.skipped.weights).toBe(memory.counts.skipped.memory)
    expect(memory.binding.map((b) => b.constraint)).toEqual(['memory'])
    expect(memory.binding[0].message).toMatch(/^memory: no serving unit fits \(H100-SXM x1: the weights do not fit: [\d.]+ GB per GPU/)
  })
})
