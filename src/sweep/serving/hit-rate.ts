/**
 * How often the serving sweep would have picked what measurements show is
 * best. For each group of measured serving runs of one model, GPU, GPU count,
 * engine and workload (ISL, OSL): the measured best run (the most output
 * tokens per GPU per second; closed loop: concurrency x osl / (TTFT + (osl - 1)
 * TPOT) / the instance's GPUs, the row read as calibrate reads it) sets the targets at its own mean TTFT and TPOT (times 1 + slack),
 * and `sweep --serving` restricted to that model, GPU count, engine, weight and
 * KV format and the engine's own step budget ranks its deployments. A hit: the
 * measured best's layout (TP, MoE EP, replicas) is among the top N.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {parseMeasurements} from '../../calibrate/measurements.js'
import {rowEngineName, servingRun} from '../../calibrate/serving.js'
import type {MeasurementRow} from '../../calibrate/types.js'
import {InfersimError} from '../../errors.js'
import type {EngineName} from '../../engine.js'
import {maxAttentionTp} from '../../hardware/gpu.js'
import {loadLaunchFlags} from '../../io/launch-flags.js'
import {loadGpus, resolveGpu} from '../../io/gpus.js'
import {loadModel} from '../../io/models.js'
import {gpusPerNodeOf} from '../space.js'
import {displayPath} from '../../io/paths.js'
import type {ProfileName} from '../../profile.js'
import {loadServingInputs} from './inputs.js'
import type {AggregatedPlan} from './result.js'
import {runServingSweep} from './run.js'
import {paramsOn} from '../../serving/engine-on-gpu.js'

export interface MeasuredRun {
  id: string
  model: string
  gpu: string
  worldSize: number
  tp: number
  moeEp: number
  engine: string
  isl: number
  osl: number
  fp8Gemm: boolean
  fp8Kv: boolean
  /** Requests in flight per replica. */
  concurrency: number
  ttftMs: number
  tpotMs: number
  /** Output tokens per GPU per second, from the closed loop. */
  tgs: number
}

export interface GroupOutcome {
  group: string
  runs: number
  best: MeasuredRun
  /** hit: in the top N; miss: not; nothing: no deployment met the targets; outside: the measured layout is not in the sweep's space; error: the sweep failed. */
  verdict: 'hit' | 'miss' | 'nothing' | 'outside' | 'error'
  /** 1-based rank of the measured layout among the sweep's deployments, when ranked. */
  rank?: number
  /** The sweep's concurrency for that layout, when it ranks it. */
  predictedConcurrency?: number
  /** Deployments (one per layout) the sweep ranked: a ranking at random would put the measured one in the top N with chance min(1, N / ranked). */
  ranked: number
  top: string[]
  /** With several measured layouts in the group: whether the sweep ranks the measured best's layout above the other measured ones. */
  measuredOrderAgrees?: boolean
  detail?: string
}

export interface HitRateReport {
  file: string
  top: number
  slack: number
  groups: GroupOutcome[]
  /** Hits over groups whose measured layout is in the sweep's space. */
  hits: number
  judged: number
  /** Groups where the measured layout ranks first. */
  firsts: number
  /** The hit rate a random order of the same ranked deployments would have (mean of min(1, N / ranked)). */
  randomBaseline: number
  /** How often a random order would put it first (mean of 1 / ranked). */
  randomFirstBaseline: number
  /** Median of the sweep's concurrency over the measured one, where the sweep ranks the measured layout. */
  medianConcurrencyRatio?: number
  /** Groups with several measured layouts, and those where the sweep puts the measured best's first among them. */
  multiLayoutGroups: number
  multiLayoutAgree: number
}

const runKey = (id: string) => id.replace(/-(ttft|tpot)$/, '')

/** Measured runs (a TTFT row and a TPOT row each) of a measurements file; rows the sweep cannot read are left out. */
export function measuredRuns(rows: readonly MeasurementRow[]): MeasuredRun[] {
  const byRun = new Map<string, {ttft?: MeasurementRow; tpot?: MeasurementRow}>()
  for (const r of rows) {
    if (r.phase !== 'serving' || typeof r.decode_batch !== 'number') continue
    const e = byRun.get(runKey(r.id)) ?? {}
    if (r.metric === 'ttft_ms') e.ttft = r
    else if (r.metric === 'tpot_ms') e.tpot = r
    byRun.set(runKey(r.id), e)
  }
  const out: MeasuredRun[] = []
  const gpus = loadGpus()
  for (const [id, {ttft, tpot}] of byRun) {
    if (!ttft || !tpot) continue
    const r = ttft
    let engine: string
    let run: ReturnType<typeof servingRun>
    try {
      engine = rowEngineName(r)
      const model = loadModel(r.model, {publishedConfigs: true, baseDir: r.baseDir})
      // The instance as calibrate reads the row (moe_tp x moe_ep GPUs, data-parallel attention where heads do not split).
      run = servingRun(r, model, resolveGpu(gpus, r.gpu))
      if (!model.ffn.isMoe) run.deployment.moeEp = 1
    } catch (error) {
      if (error instanceof InfersimError) continue
      throw error
    }
    const d = run.deployment
    const c = r.decode_batch as number
    out.push({
      id,
      model: path.isAbsolute(r.model) || !r.model.includes('/') ? r.model : path.join(r.baseDir, r.model),
      gpu: r.gpu,
      worldSize: d.worldSize,
      tp: d.tp,
      moeEp: d.moeEp ?? d.worldSize / d.tp,
      engine,
      isl: r.isl,
      osl: r.osl,
      fp8Gemm: r.fp8_gemm === 1,
      fp8Kv: r.fp8_kv === 1,
      concurrency: run.concurrency,
      ttftMs: ttft.actual,
      tpotMs: tpot.actual,
      tgs: (c * r.osl) / ((ttft.actual + (r.osl - 1) * tpot.actual) / 1000) / d.worldSize,
    })
  }
  return out
}

const groupKey = (r: MeasuredRun) => `${r.model} ${r.gpu} x${r.worldSize} ${r.engine} ${r.isl}/${r.osl}`

export interface HitRateOptions {
  file: string
  top?: number
  /** Targets at the measured best's TTFT and TPOT times 1 + slack. */
  slack?: number
  profile?: ProfileName
  /** Only groups whose key contains one of these strings. */
  only?: string[]
  onGroup?: (g: GroupOutcome) => void
}

export async function hitRate(opts: HitRateOptions): Promise<HitRateReport> {
  const top = opts.top ?? 5
  const slack = opts.slack ?? 0
  const text = readFileSync(opts.file, 'utf8')
  const {rows} = parseMeasurements(text, displayPath(opts.file), path.dirname(path.resolve(opts.file)))
  const groups = new Map<string, MeasuredRun[]>()
  for (const r of measuredRuns(rows)) {
    const key = groupKey(r)
    if (opts.only && !opts.only.some((o) => key.includes(o))) continue
    groups.set(key, [...(groups.get(key) ?? []), r])
  }
  const out: GroupOutcome[] = []
  for (const [group, runs] of groups) {
    const best = runs.reduce((a, b) => (b.tgs > a.tgs ? b : a))
    const layouts = [...new Set(runs.map((r) => `${r.tp}|${r.moeEp}`))]
    const outcome = await judge(group, runs.length, best, layouts, top, slack, opts.profile ?? 'default')
    opts.onGroup?.(outcome)
    out.push(outcome)
  }
  const judged = out.filter((g) => g.verdict !== 'outside' && g.verdict !== 'error')
  const mean = (f: (g: GroupOutcome) => number) => judged.reduce((sum, g) => sum + (g.ranked > 0 ? f(g) : 0), 0) / Math.max(1, judged.length)
  const ratios = judged.filter((g) => g.predictedConcurrency !== undefined).map((g) => g.predictedConcurrency! / g.best.concurrency).sort((a, b) => a - b)
  return {
    file: opts.file,
    top,
    slack,
    groups: out,
    hits: judged.filter((g) => g.verdict === 'hit').length,
    judged: judged.length,
    firsts: judged.filter((g) => g.rank === 1).length,
    randomBaseline: mean((g) => Math.min(1, top / g.ranked)),
    randomFirstBaseline: mean((g) => 1 / g.ranked),
    ...(ratios.length > 0 ? {medianConcurrencyRatio: ratios[Math.floor(ratios.length / 2)]} : {}),
    multiLayoutGroups: judged.filter((g) => g.measuredOrderAgrees !== undefined).length,
    multiLayoutAgree: judged.filter((g) => g.measuredOrderAgrees === true).length,
  }
}

/** Why the measured layout is not one the sweep searches, if it is not. */
function outsideSpace(best: MeasuredRun): string | undefined {
  if (best.tp !== best.worldSize) return `tp ${best.tp} on ${best.worldSize} GPUs (the sweep's replicas are whole TP groups or attention-DP units)`
  const gpu = resolveGpu(loadGpus(), best.gpu)
  const widest = maxAttentionTp(gpu, gpusPerNodeOf(gpu, {}))
  if (best.tp > widest) return `TP ${best.tp}, which the sweep does not search (TP up to ${widest} on ${gpu.name}: one NVLink domain, at most 8)`
  const spec = loadLaunchFlags().engines[best.engine as EngineName]
  if (best.moeEp > 1 && spec.moeEpInsideTp === 'whole-group' && best.moeEp !== best.tp) return `MoE EP ${best.moeEp} inside TP ${best.tp}, which ${spec.title} does not run`
  return undefined
}

async function judge(group: string, runs: number, best: MeasuredRun, measured: string[], top: number, slack: number, profile: ProfileName): Promise<GroupOutcome> {
  const base: GroupOutcome = {group, runs, best, top: [], ranked: 0, verdict: 'error'}
  const outside = outsideSpace(best)
  if (outside) return {...base, verdict: 'outside', detail: outside}
  let result
  try {
    const inputs = loadServingInputs({model: best.model, gpus: [best.gpu], profile, engines: [best.engine]})
    ;({result} = await runServingSweep({
      ...inputs,
      space: {
        gpus: [best.gpu],
        engines: [best.engine],
        minGpus: best.worldSize,
        maxGpus: best.worldSize,
        worldSizes: [best.worldSize],
        weightFormats: [best.fp8Gemm ? 'fp8' : 'auto'],
        fp8Kv: best.fp8Kv ? 'on' : 'off',
        deepep: 'auto',
        stepTokens: [paramsOn(inputs.engines[0], inputs.gpus[0]).max_prefill_tokens],
        maxConcurrency: 1024,
        refine: true,
        aggregated: true,
        disaggregated: false,
      },
      targets: {isl: best.isl, osl: best.osl, ttftMax: best.ttftMs * (1 + slack), tpotMax: best.tpotMs * (1 + slack), sustain: {kind: 'none'}},
      workers: 0,
      top: 1000,
      command: {model: best.model},
    }))
  } catch (error) {
    if (!(error instanceof InfersimError)) throw error
    return {...base, verdict: 'error', detail: error.message}
  }
  const plans = result.top as AggregatedPlan[]
  base.ranked = plans.length
  const label = (p: AggregatedPlan) => `TP${p.layout.tp}${p.layout.moeEp > 1 ? ` EP${p.layout.moeEp}` : ''}${p.layout.kind === 'dp-ep' ? ` DP${p.layout.dp}` : ''} x${p.units} c${p.concurrency}`
  const shown = plans.slice(0, top).map(label)
  const key = (p: AggregatedPlan) => (p.layout.kind === 'tp' ? `${p.layout.tp}|${p.layout.moeEp}` : '')
  const index = plans.findIndex((p) => key(p) === `${best.tp}|${best.moeEp}`)
  if (measured.length > 1) {
    const firstMeasured = plans.find((p) => measured.includes(key(p)))
    base.measuredOrderAgrees = firstMeasured !== undefined && key(firstMeasured) === `${best.tp}|${best.moeEp}`
  }
  if (plans.length === 0) return {...base, verdict: 'nothing', detail: result.binding.map((b) => b.message).join('; ')}
  if (index < 0) return {...base, top: shown, verdict: 'miss', detail: 'the measured layout meets no target in the model'}
  return {...base, top: shown, verdict: index < top ? 'hit' : 'miss', rank: index + 1, predictedConcurrency: plans[index].concurrency}
}
