/**
 * A sweep end to end: enumerate the layouts (infeasible ones counted, not
 * simulated), simulate them in this thread or on worker threads while the
 * points stream into the aggregator, refine the grid near the frontier, and
 * build the result.
 */
import {availableParallelism} from 'node:os'
import type {GpuSpec} from '../hardware/gpu.js'
import type {Engine} from '../engine.js'
import type {ModelSpec} from '../model/types.js'
import type {Profile} from '../profile.js'
import {rowCount} from '../tables/columnar.js'
import type {TableSet} from '../tables/types.js'
import {SweepAggregator, type PointSink} from './aggregate.js'
import {bindingConstraints} from './binding.js'
import {checkCalibration, type SweepCalibration} from './calibration.js'
import type {CommandContext} from './command-line.js'
import {evalContext, plainTables, type SweepSetup} from './context.js'
import {pointKey, CsvPointSink} from './csv.js'
import {disaggregatedPlans, topDeployments} from './plan.js'
import {inProcessRunner, workerRunner, type TaskRunner} from './pool.js'
import {ProgressBar, type ProgressSink} from './progress.js'
import {refinementRequests} from './refine.js'
import type {FrontierPoint, SweepResult} from './result.js'
import {PointSample} from './sample.js'
import {renderSweepPlot} from './plot.js'
import {writeFileAtomic} from '../io/text-file.js'
import {assertWritable} from '../io/writable.js'
import {decodeGrid, defaultWorldSizes, enumerateLayouts, gpusPerNodeOf} from './space.js'
import {runTask, taskSize, unpackPoints, type SweepTask} from './tasks.js'
import type {Layout, SweepPoint, SweepSpace, Workload} from './types.js'
import {pointView} from './views.js'

/**
 * Below this many estimated simulations (plus a third of the table rows each
 * worker must copy and index), starting worker threads costs more than it saves.
 */
export const AUTO_WORKERS_MIN_SIMULATIONS = 20_000
/** Memory the auto choice lets the workers' copies of the tables take, and about what one table row costs. */
const AUTO_WORKERS_TABLE_MEMORY_BYTES = 1 << 30
const BYTES_PER_TABLE_ROW = 600

export interface SweepRequest {
  model: ModelSpec
  gpus: GpuSpec[]
  tables: TableSet[]
  profile: Profile
  space: SweepSpace
  workload: Workload
  calibration?: SweepCalibration
  /** The engine whose per-forward overheads the simulations use (`infersim simulate`'s default, SGLang, when absent). */
  engine?: Engine
  /** Worker threads; 'auto' = one per core when the sweep is large enough, else none. */
  workers: number | 'auto'
  top: number
  /** --model, --gpu-spec, --bench-data as given: for the reproducing command lines. */
  command: Pick<CommandContext, 'model' | 'gpuSpec' | 'benchData'>
  csv?: string
  /** SVG file for the plot. */
  plot?: string
  progress?: ProgressSink
  /** Sees every simulated point (tests). */
  onPoint?: (p: SweepPoint) => void
}

export interface SweepOutcome {
  result: SweepResult
  layouts: Layout[]
  /** The whole frontiers (the result keeps the parts within the targets). */
  fullFrontiers: {decode: FrontierPoint[]; prefill: FrontierPoint[]}
}

function estimateSimulations(layouts: readonly Layout[], space: SweepSpace): number {
  return layouts.reduce((n, l) => n + space.prefillTokens.length + decodeGrid(l, space).length * (space.refine.decode ? 1.5 : 1), 0)
}

export function chooseWorkers(req: Pick<SweepRequest, 'workers' | 'tables'>, estimate: number): number {
  if (req.workers !== 'auto') return req.workers
  const rows = req.tables.reduce((n, t) => n + t.paths().reduce((m, p) => m + rowCount(t.get(p)!), 0), 0)
  if (estimate < AUTO_WORKERS_MIN_SIMULATIONS + rows / 3) return 0
  const byMemory = Math.floor(AUTO_WORKERS_TABLE_MEMORY_BYTES / Math.max(1, rows * BYTES_PER_TABLE_ROW))
  const workers = Math.min(availableParallelism(), byMemory)
  return workers >= 2 ? workers : 0
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

export const chunkSize = (n: number, workers: number) => (workers === 0 ? 1 : Math.max(1, Math.min(64, Math.ceil(n / (workers * 16)))))

export async function runSweep(req: SweepRequest): Promise<SweepOutcome> {
  const started = performance.now()
  if (req.calibration) checkCalibration(req.calibration, req.profile.name)
  const gpuNames = req.gpus.map((g) => g.name)
  const ctx: CommandContext = {...req.command, profile: req.profile.name, gpuNames, calibration: req.calibration?.file, workload: req.workload}
  const space = enumerateLayouts(req.model, req.gpus, req.profile, req.space, req.workload)
  const {layouts} = space
  if (req.plot) assertWritable(req.plot)
  if (req.csv) assertWritable(req.csv)
  const csv = req.csv ? new CsvPointSink(req.csv) : undefined
  const sample = req.plot ? new PointSample((i) => layouts[i].gpu) : undefined
  const onPoint = req.onPoint
  const sinks: PointSink[] = []
  if (csv) sinks.push(csv)
  if (sample) sinks.push(sample)
  if (onPoint) sinks.push({add: (p) => onPoint(p)})
  const agg = new SweepAggregator(layouts.length, req.workload, sinks)
  const setup: SweepSetup = {model: req.model, gpus: req.gpus, profile: req.profile, workload: req.workload, space: req.space, calibration: req.calibration, engine: req.engine}
  const workers = chooseWorkers(req, estimateSimulations(layouts, req.space))
  let runner: TaskRunner<SweepTask, SweepPoint> | undefined
  const progress = new ProgressBar(req.progress, () => agg.totalSimulations)
  let refinement = 0
  try {
    if (workers > 0) runner = workerRunner<SweepTask, SweepPoint>({kind: 'phase', setup, tables: req.tables.map(plainTables)}, workers, unpackPoints)
    else {
      const ctx = evalContext(setup, req.tables)
      runner = inProcessRunner<SweepTask, SweepPoint>((task, emit) => runTask(ctx, task, emit))
    }
    const stage1: SweepTask[] = chunk(
      layouts.map((layout, index) => ({index, layout})),
      chunkSize(layouts.length, workers),
    ).map((items) => ({kind: 'layouts', items}))
    progress.addWork(layouts.length)
    const add = (p: SweepPoint) => agg.add(p)
    await runner.run(stage1, add, (t) => progress.tick(taskSize(t)))
    const before = agg.totalSimulations
    const requests = refinementRequests(agg, layouts, req.space, req.workload.isl)
    const stage2: SweepTask[] = chunk(
      requests.map((r) => ({index: r.layout, layout: layouts[r.layout], phase: r.phase, values: r.values})),
      chunkSize(requests.length, workers),
    ).map((items) => ({kind: 'values', items}))
    progress.addWork(requests.length)
    await runner.run(stage2, add, (t) => progress.tick(taskSize(t)))
    refinement = agg.totalSimulations - before
  } catch (error) {
    csv?.abort()
    throw error
  } finally {
    await runner?.close()
    progress.finish()
  }

  const fullFrontiers = {
    decode: agg.frontiers.decode.list().map((e) => pointView(e.item, layouts, ctx)),
    prefill: agg.frontiers.prefill.list().map((e) => pointView(e.item, layouts, ctx)),
  }
  const seconds = (performance.now() - started) / 1000
  const top = topDeployments(agg, layouts, ctx, req.top)
  const within = (p: FrontierPoint) => agg.meetsTarget(p)
  let covered = 0
  for (let i = 0; i < layouts.length; i++) covered += agg.simulatedValues(i, 'prefill').length * agg.simulatedValues(i, 'decode').length
  const result: SweepResult = {
    model: req.model.name,
    profile: req.profile.name,
    gpus: gpuNames,
    workload: {isl: req.workload.isl, osl: req.workload.osl, ttftMaxMs: req.workload.ttftMax, tpotMaxMs: req.workload.tpotMax, ...(req.workload.speculative ? {speculative: req.workload.speculative} : {})},
    ...(req.calibration ? {calibration: {file: req.calibration.file, model: req.calibration.model}} : {}),
    space: {
      worldSizes: Object.fromEntries(
        req.gpus.map((g) => [g.name, req.space.worldSizes ?? defaultWorldSizes(req.space.minGpus, req.space.maxGpus, gpusPerNodeOf(g, req.space))]),
      ),
      prefillTokens: req.space.prefillTokens,
      decodeBatches: req.space.decodeBatches ?? 'powers of two up to the largest that fits',
      maxDecodeBatch: req.space.maxDecodeBatch,
      fp8Kv: req.space.fp8Kv,
      deepep: req.space.deepep,
      tbo: req.space.tbo,
    },
    counts: {
      layouts: layouts.length,
      skipped: space.skipped,
      batchesOverMemory: space.batchesOverMemory,
      simulations: {...agg.simulations, refinement, total: agg.totalSimulations},
      deploymentsCovered: covered,
    },
    timing: {seconds, simulationsPerSecond: agg.totalSimulations / seconds, workers},
    frontiers: {decode: fullFrontiers.decode.filter(within), prefill: fullFrontiers.prefill.filter(within)},
    top,
    disaggregated: disaggregatedPlans(agg, layouts, ctx, req.space.maxGpus),
    binding: bindingConstraints(agg, layouts, top, space, ctx),
  }
  // The plot first: if it cannot be written, the CSV is dropped too and every existing file stays as it was.
  try {
    if (req.plot) writeFileAtomic(req.plot, renderSweepPlot(result, fullFrontiers, sample!))
  } catch (error) {
    csv?.abort()
    throw error
  }
  await csv?.finish(layouts, gpuNames, new Set([...agg.frontiers.decode.list(), ...agg.frontiers.prefill.list()].map((e) => pointKey(e.item))))
  return {result, layouts, fullFrontiers}
}
