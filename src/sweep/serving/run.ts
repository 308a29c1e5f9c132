/**
 * A serving sweep end to end: enumerate the serving units of every engine
 * (infeasible ones counted, not evaluated), evaluate them with the serving
 * model in this thread or on worker threads while the points stream into the
 * aggregator, search disaggregated deployments with the phase sweep, rank,
 * and write the CSV and the plot.
 */
import {speculativeRun} from '../../serving/speculative.js'
import type {Engine} from '../../engine.js'
import type {GpuSpec} from '../../hardware/gpu.js'
import type {EngineLaunchSpec} from '../../io/launch-flags.js'
import {writeFileAtomic} from '../../io/text-file.js'
import type {ModelSpec} from '../../model/types.js'
import type {Profile} from '../../profile.js'
import type {TableSet} from '../../tables/types.js'
import type {SweepCalibration} from '../calibration.js'
import type {CommandContext} from '../command-line.js'
import {plainTables} from '../context.js'
import {defaultPrefillTokens} from '../flags.js'
import {inProcessRunner, workerRunner, type TaskRunner} from '../pool.js'
import {ProgressBar, type ProgressSink} from '../progress.js'
import {chooseWorkers, chunk, chunkSize, runSweep} from '../run.js'
import {gpusPerNodeOf} from '../space.js'
import type {Layout, SweepPoint, Workload} from '../types.js'
import {assertWritable} from '../../io/writable.js'
import {ServingAggregator, servingTieKey, type PlannedPoint} from './aggregate.js'
import {aggregatedPlan, disaggregatedPlan, type AssembleContext} from './assemble.js'
import {NO_BAND, bandText} from './band.js'
import {isUnfittedGpu, layoutSummary, outputRateSummary, runsOfRows, unfittedGpuText} from '../../serving/accuracy.js'
import {SERVING_LAYOUTS} from '../../engine.js'
import {servingBindings} from './binding.js'
import {servingContext, type ServingSetup} from './context.js'
import {servingCsv, type StoredPoint} from './csv.js'
import {disaggregatedPlans, type DisaggOutcome} from './disaggregated.js'
import {budgetsOf, concurrencyGrid, type ServingEvalContext} from './evaluate.js'
import {renderServingPlot} from './plot.js'
import {rankPlans} from './rank.js'
import type {EngineSummary, ServingMode, ServingSweepResult} from './result.js'
import {enumerateServingLayouts} from './space.js'
import {runServingTask, unpackServingPoints, type ServingTask} from './tasks.js'
import type {ServingLayout, ServingPoint, ServingSpace, ServingTargets} from './types.js'
import type {ServingCommandContext} from './views.js'

export interface ServingSweepRequest {
  model: ModelSpec
  gpus: GpuSpec[]
  tables: TableSet[]
  profile: Profile
  engines: Engine[]
  /** The engine of the disaggregated phase figures (simulate's default); the reference's constants without one. */
  phaseEngine?: Engine
  /** Launch flags of each engine (same order). */
  specs: EngineLaunchSpec[]
  space: ServingSpace
  targets: ServingTargets
  workers: number | 'auto'
  top: number
  /** --model, --gpu-spec, --bench-data, --engine-dir as given: for the reproducing command lines. */
  command: {model: string; gpuSpec?: string; benchData?: string; engineDir?: string}
  /** Fit of `calibrate --fit` for the disaggregated (phase-model) figures. */
  calibration?: SweepCalibration
  csv?: string
  plot?: string
  progress?: ProgressSink
  /** Sees every evaluated serving point (tests). */
  onPoint?: (p: ServingPoint) => void
}

export interface ServingSweepOutcome {
  result: ServingSweepResult
  layouts: ServingLayout[]
  /** The disaggregated search's own layouts (phase sweep). */
  phaseLayouts: Layout[]
}

function engineSummary(e: Engine, spec: EngineLaunchSpec, gpus: readonly GpuSpec[], moe: boolean): EngineSummary {
  const a = e.accuracy
  const unfitted = gpus.filter((g) => isUnfittedGpu(g, e.fittedGpus))
  const band = a
    ? `TTFT ${bandText(a.ttft.median)}, TPOT ${bandText(a.tpot.median)} (median held-out error over ${runsOfRows(a.rows)} runs, ${a.heldOut}; 90% within TTFT ${bandText(a.ttft.p90)}, TPOT ${bandText(a.tpot.p90)}${a.byClients ? '; each deployment carries the band of its clients per replica' : ''})` +
      (unfitted.length ? ` ${unfittedGpuText(unfitted.map((g) => g.name), e.fittedGpus!)}` : '')
    : NO_BAND
  // A dense model serves tensor-parallel replicas only: data-parallel attention is a MoE layout.
  const layouts = moe ? SERVING_LAYOUTS : SERVING_LAYOUTS.filter((l) => l === 'tensor-parallel')
  const extra = [layoutSummary(a, layouts), outputRateSummary(a, gpus, layouts)].filter((t) => t !== undefined)
  return {name: e.name, title: spec.title, version: spec.version, ...(a ? {accuracy: a} : {}), band: [band, ...extra].join(' ')}
}

async function evaluateUnits(req: ServingSweepRequest, ctx: ServingEvalContext, setup: ServingSetup, layouts: ServingLayout[], agg: ServingAggregator): Promise<number> {
  const estimate = layouts.reduce((n, l) => n + budgetsOf(ctx, l).length * concurrencyGrid(ctx, l).length, 0)
  const workers = chooseWorkers(req, estimate)
  const progress = new ProgressBar(req.progress, () => agg.evaluations)
  let runner: TaskRunner<ServingTask, ServingPoint> | undefined
  try {
    if (workers > 0) runner = workerRunner<ServingTask, ServingPoint>({kind: 'serving', setup, tables: req.tables.map(plainTables)}, workers, unpackServingPoints)
    else runner = inProcessRunner<ServingTask, ServingPoint>((task, emit) => runServingTask(ctx, task, emit))
    const tasks: ServingTask[] = chunk(
      layouts.map((layout, index) => ({index, layout})),
      chunkSize(layouts.length, workers),
    ).map((items) => ({items}))
    progress.addWork(layouts.length)
    await runner.run(tasks, (p) => agg.add(p), (t) => progress.tick(t.items.length))
  } finally {
    await runner?.close()
    progress.finish()
  }
  return workers
}

/** The phase sweep's workload: the targets' lengths, TPOT target and speculative decoding (decode pools run it as simulate --decode-only --mtp does). */
const phaseWorkload = (req: ServingSweepRequest): Workload => ({
  isl: req.targets.isl,
  osl: req.targets.osl,
  tpotMax: req.targets.tpotMax,
  ...(req.targets.speculative ? {speculative: req.targets.speculative} : {}),
})

async function searchDisaggregated(req: ServingSweepRequest, cmd: CommandContext): Promise<{outcome: DisaggOutcome; layouts: Layout[]; simulations: number}> {
  const points: SweepPoint[] = []
  const s = req.space
  const {layouts, result} = await runSweep({
    model: req.model,
    gpus: req.gpus,
    tables: req.tables,
    profile: req.profile,
    engine: req.phaseEngine,
    space: {
      gpus: s.gpus,
      worldSizes: s.worldSizes,
      minGpus: 1,
      maxGpus: s.maxGpus,
      gpusPerNode: s.gpusPerNode,
      tps: s.tps,
      weightFormats: s.weightFormats,
      fp8Kv: s.fp8Kv,
      deepep: s.deepep,
      tbo: 'auto',
      prefillTokens: defaultPrefillTokens(req.targets.isl),
      maxDecodeBatch: 1024,
      refine: {prefill: true, decode: true},
    },
    // TTFT is screened here with the KV transfer added, so the phase sweep only bisects for TPOT.
    workload: phaseWorkload(req),
    calibration: req.calibration,
    workers: req.workers,
    top: 1,
    command: cmd,
    progress: req.progress,
    onPoint: (p) => points.push(p),
  })
  // The points' order depends on worker threads; the plans must not.
  points.sort((a, b) => a.layout - b.layout || (a.phase < b.phase ? -1 : a.phase > b.phase ? 1 : 0) || a.value - b.value)
  const outcome = disaggregatedPlans({
    model: req.model,
    gpus: req.gpus,
    gpusPerNode: req.gpus.map((g) => gpusPerNodeOf(g, s)),
    layouts,
    points,
    targets: req.targets,
    budget: s,
  })
  return {outcome, layouts, simulations: result.counts.simulations.total}
}

function notes(req: ServingSweepRequest): string[] {
  const t = req.targets
  const out = [
    'aggregated: one engine runs prefill and decode together with in-flight batching; figures from the serving model (infersim simulate --serving) per unit, concurrency per replica (attention DP rank)',
  ]
  if (t.sustain.kind === 'rate') out.push(`sustaining ${t.sustain.requestsPerSecond} requests/s: the fewest units whose replicas finish that many at the load shown; tokens/GPU/s are what that rate delivers`)
  if (t.sustain.kind === 'concurrency') out.push(`sustaining ${t.sustain.requests} requests in flight: spread evenly over the replicas of each number of units (a fractional mean per replica, as simulate --concurrency takes it)`)
  if (req.space.disaggregated) {
    out.push(
      'disaggregated: prefill and decode instances from the phase model (infersim simulate --prefill-only / --decode-only), the same for every engine; TTFT adds the KV transfer of the prompt over NVLink when the deployment fits one node, else over the inter-node network; no error band (the phase model is not cross-validated against serving runs)',
    )
  }
  out.push('launch commands: $MODEL is the checkpoint (Hugging Face name or local path); check them against your engine version before use')
  return out
}

export async function runServingSweep(request: ServingSweepRequest): Promise<ServingSweepOutcome> {
  const started = performance.now()
  // Its launch commands turn chunked prefill on where an engine leaves it off (TensorRT-LLM's
  // enable_chunked_prefill, launch.ts): the figures assume it, and each reproducing line asks for it.
  const chunkedByLaunch = request.engines.map((e, i) => e.params.chunked_prefill === false && request.specs[i].flags.yamlChunkedPrefill !== undefined)
  const req = {...request, engines: request.engines.map((e, i) => (chunkedByLaunch[i] ? {...e, params: {...e.params, chunked_prefill: true}} : e))}
  if (req.plot) assertWritable(req.plot)
  if (req.csv) assertWritable(req.csv)
  const gpuNames = req.gpus.map((g) => g.name)
  const cmd: ServingCommandContext = {
    model: req.command.model,
    gpuSpec: req.command.gpuSpec,
    benchData: req.command.benchData,
    profile: req.profile.name,
    gpuNames,
    engineNames: req.engines.map((e) => e.name),
    chunkedPrefill: chunkedByLaunch,
    engineDir: req.command.engineDir,
    isl: req.targets.isl,
    osl: req.targets.osl,
    moe: req.model.ffn.isMoe,
    ...(req.targets.openingWave === undefined ? {} : {openingWave: req.targets.openingWave}),
    ...(req.targets.cudaGraphBatchSizes === undefined ? {} : {cudaGraphBatchSizes: req.targets.cudaGraphBatchSizes}),
    ...(req.targets.speculative ? {speculative: speculativeRun(req.model, req.targets.speculative)} : {}),
  }
  const phaseCmd: CommandContext = {...req.command, profile: req.profile.name, gpuNames, calibration: req.calibration?.file, workload: phaseWorkload(req)}
  const setup: ServingSetup = {
    model: req.model,
    gpus: req.gpus,
    engines: req.engines,
    profile: {name: req.profile.name, switches: req.profile.switches},
    targets: req.targets,
    space: req.space,
  }
  const ctx = servingContext(setup, req.tables)
  const space = req.space.aggregated ? enumerateServingLayouts(ctx, req.specs, req.space) : {layouts: [], skipped: {memory: 0, weights: 0, divisibility: 0, format: 0, engine: 0}}
  const {layouts} = space
  const stored: StoredPoint[] | undefined = req.csv || req.plot ? [] : undefined
  const onPoint = req.onPoint
  const agg = new ServingAggregator(layouts, req.engines.length, req.targets, req.space, [
    ...(stored ? [{add: (point: ServingPoint, plan: StoredPoint['plan'], meets: boolean) => stored.push({point, plan, meets})}] : []),
    ...(onPoint ? [{add: (p: ServingPoint) => onPoint(p)}] : []),
  ])
  const workers = req.space.aggregated ? await evaluateUnits(req, ctx, setup, layouts, agg) : 0
  const disagg = req.space.disaggregated ? await searchDisaggregated(req, phaseCmd) : undefined

  const a: AssembleContext = {cmd, engines: req.engines, specs: req.specs, layouts, phaseLayouts: disagg?.layouts ?? [], phaseCmd}
  const aggFrontiers = agg.frontiers.map((f) => f.list().map((e) => e.item))
  const disaggFrontier = disagg ? disagg.outcome.frontier.list().map((e) => e.item) : []
  const modes: ServingMode[] = [...(req.space.aggregated ? (['aggregated'] as const) : []), ...(req.space.disaggregated ? (['disaggregated'] as const) : [])]
  const result: ServingSweepResult = {
    model: req.model.name,
    profile: req.profile.name,
    gpus: gpuNames,
    engines: req.engines.map((e, i) => engineSummary(e, req.specs[i], req.gpus, req.model.ffn.isMoe)),
    targets: {
      isl: req.targets.isl,
      osl: req.targets.osl,
      ttftMaxMs: req.targets.ttftMax,
      tpotMaxMs: req.targets.tpotMax,
      ...(req.targets.sustain.kind === 'rate' ? {requestRate: req.targets.sustain.requestsPerSecond} : {}),
      ...(req.targets.sustain.kind === 'concurrency' ? {concurrency: req.targets.sustain.requests} : {}),
      ...(req.targets.openingWave === undefined ? {} : {openingWave: req.targets.openingWave}),
      ...(req.targets.cudaGraphBatchSizes === undefined ? {} : {cudaGraphBatchSizes: req.targets.cudaGraphBatchSizes}),
      ...(req.targets.speculative ? {speculative: req.targets.speculative} : {}),
    },
    space: {
      minGpus: req.space.minGpus,
      maxGpus: req.space.maxGpus,
      modes,
      stepTokens: req.space.stepTokens ?? 'engine default and 2048-16384',
      concurrencies: req.space.concurrencies ?? (req.targets.sustain.kind === 'concurrency' ? 'the total spread over each number of units' : `1, 2, 3, 4, 6, 8, ... up to ${req.space.maxConcurrency} and the replica's limit`),
    },
    counts: {layouts: layouts.length, skipped: space.skipped, evaluations: agg.evaluations, phaseSimulations: disagg?.simulations ?? 0},
    timing: {seconds: 0, workers},
    top: rankPlans([...agg.bests().map((b: PlannedPoint) => aggregatedPlan(a, b)), ...(disagg?.outcome.bests ?? []).map((d) => disaggregatedPlan(a, d))], req.top),
    frontiers: [
      ...aggFrontiers.map((points, i) => ({engine: req.engines[i].name, mode: 'aggregated' as const, points: points.map((p) => aggregatedPlan(a, p))})).filter(() => req.space.aggregated),
      ...(disagg ? [{mode: 'disaggregated' as const, points: disaggFrontier.map((d) => disaggregatedPlan(a, d))}] : []),
    ],
    binding: [],
    notes: notes(req),
  }
  if (result.top.length === 0) {
    result.binding = servingBindings({
      agg: req.space.aggregated ? agg : undefined,
      disagg: disagg?.outcome,
      layouts,
      targets: req.targets,
      cmd,
      maxGpus: req.space.maxGpus,
      memoryMessage: 'memoryMessage' in space ? space.memoryMessage : undefined,
    })
  }
  result.timing.seconds = (performance.now() - started) / 1000
  // Both files are rendered before either is written (each write is atomic).
  const frontierKeys = new Set(aggFrontiers.flat().map((e) => servingTieKey(e.point)))
  const svg = req.plot ? renderServingPlot(result, stored ?? [], layouts) : undefined
  const csv = req.csv ? servingCsv(stored ?? [], layouts, cmd, req.engines, frontierKeys, result.frontiers.find((f) => f.mode === 'disaggregated')?.points ?? []) : undefined
  if (req.plot) writeFileAtomic(req.plot, svg!)
  if (req.csv) writeFileAtomic(req.csv, csv!)
  return {result, layouts, phaseLayouts: disagg?.layouts ?? []}
}
