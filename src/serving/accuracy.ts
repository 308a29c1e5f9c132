/**
 * The error a serving prediction carries: the engine's held-out relative
 * error of mean TTFT and TPOT (data/engines/<engine>.json "accuracy", runs
 * of a GPU the fit had not seen). Throughput has no measured error of its
 * own; in the closed loop a request takes TTFT + (osl - 1) TPOT, so its
 * error is taken as the two errors weighted by their shares of that time
 * (errors of the same sign add up to this; opposite signs cancel part of it).
 */
import {SERVING_LAYOUTS, type ClientsErrorStats, type EngineAccuracy, type ErrorStats, type LayoutErrorStats, type OutputRateCheck, type ServingLayout} from '../engine.js'

export interface FigureBands {
  /** Relative errors (0.2 = ±20%). */
  ttft: number
  tpot: number
  tgs: number
}

/** Runs behind a count of held-out rows: a run is a TTFT row and a TPOT row. */
export const runsOfRows = (rows: number) => Math.round(rows / 2)

/** The errors that apply at `clients` per replica: its group's (`byClients`), else the engine's over all runs. */
function statsAt(accuracy: EngineAccuracy, clients: number | undefined): Pick<ClientsErrorStats, 'ttft' | 'tpot'> {
  const groups = accuracy.byClients
  if (clients === undefined || !groups?.length) return accuracy
  return groups.find((g) => g.clientsUpTo === undefined || clients <= g.clientsUpTo) ?? groups[groups.length - 1]
}

/** A prediction's error at one level: `stat` picks median (half of the held-out runs were within it) or p90. */
function bands(stats: Pick<ClientsErrorStats, 'ttft' | 'tpot'>, ttftMs: number, tpotMs: number, osl: number, stat: keyof Pick<ErrorStats, 'median' | 'p90'>): FigureBands {
  const decodeMs = Math.max(0, osl - 1) * tpotMs
  const total = ttftMs + decodeMs
  const ttft = stats.ttft[stat]
  const tpot = stats.tpot[stat]
  return {ttft, tpot, tgs: total > 0 ? (ttftMs * ttft + decodeMs * tpot) / total : tpot}
}

/**
 * The median error band of a prediction at `clients` per replica, or undefined for an engine file
 * without an accuracy block.
 * @example bandsOf({heldOut: '', rows: 10, ttft: {mape: 0.3, median: 0.2, p90: 0.6}, tpot: {mape: 0.1, median: 0.1, p90: 0.3}}, 100, 10, 11)
 *   // {ttft: 0.2, tpot: 0.1, tgs: 0.15}: TTFT 100 ms and 10 x 10 ms of decode weigh equally
 */
export const bandsOf = (accuracy: EngineAccuracy | undefined, ttftMs: number, tpotMs: number, osl: number, clients?: number): FigureBands | undefined =>
  accuracy && bands(statsAt(accuracy, clients), ttftMs, tpotMs, osl, 'median')

/** What `simulate --serving` reports of a prediction's expected error. */
export interface ServingUncertainty {
  /** How the error was measured (e.g. leave one GPU out). */
  heldOut: string
  /** Held-out runs behind it: those of the prediction's clients group where the engine file has groups. */
  rows: number
  /** The clients per replica of the runs behind it, e.g. "33-64 clients per replica"; absent: all of the engine's runs. */
  clients?: string
  /** Half of the held-out runs were within these relative errors. */
  typical: FigureBands
  /** Nine in ten were within these. */
  p90: FigureBands
  /** The GPU predicted, where the engine's fit had no runs of it: the bands then say what carrying the fit between the fitted GPUs cost, not what was measured on this one. */
  unfittedGpu?: {gpu: string; fittedGpus: string[]}
  /** The engine's output-rate check of this GPU and layout (runs no fit read), with the files they came from; absent without one. */
  outputRate?: OutputRateCheck & {data: string[]}
  /** The held-out error of the engine's data-parallel-attention runs, for such a deployment, where the engine file gives it apart; absent otherwise. */
  layout?: LayoutErrorStats
}

/** The clients per replica a group covers, in words. */
export function clientsRange(groups: readonly ClientsErrorStats[], index: number): string {
  const from = index === 0 ? 1 : (groups[index - 1].clientsUpTo ?? 0) + 1
  const upTo = groups[index].clientsUpTo
  if (upTo === undefined) return from <= 1 ? 'any number of clients per replica' : `${from} or more clients per replica`
  return from === upTo ? `${upTo} client${upTo === 1 ? '' : 's'} per replica` : `${from}-${upTo} clients per replica`
}

/**
 * Whether an engine fitted on `fittedGpus` had no runs of `gpu` (by its name, or the measured GPU whose
 * tables it reads); false without a list.
 *
 * @example
 * isUnfittedGpu({name: 'B200-SXM'}, ['H100-SXM', 'H200-SXM']) // true
 * isUnfittedGpu({name: 'H200', measuredAs: 'H200-SXM'}, ['H100-SXM', 'H200-SXM']) // false
 */
export function isUnfittedGpu(gpu: {name: string; measuredAs?: string}, fittedGpus: readonly string[] | undefined): boolean {
  if (!fittedGpus?.length) return false
  return !namesOf(gpu).some((n) => fittedGpus.includes(n))
}

/** The names a GPU's measured runs go by: its own, then the measured GPU whose tables it reads (InferSim's H200: H200-SXM). */
const namesOf = (gpu: {name: string; measuredAs?: string}): string[] => (gpu.measuredAs ? [gpu.name, gpu.measuredAs] : [gpu.name])

/** The words that say a band was not measured on `gpus` but carried from the fitted GPUs. */
export function unfittedGpuText(gpus: readonly string[], fittedGpus: readonly string[]): string {
  const named = gpus.join(' or ')
  return `No run of ${named} was in the fit (${fittedGpus.join(', ')}): the bands are what carrying the fit from one of those GPUs to another cost, not an error measured on ${named}.`
}

/**
 * @param gpu the GPU predicted (its name, and the measured GPU whose tables it reads, if another) and the GPUs the engine was fitted on; a GPU among them, or no list, adds nothing
 */
export function servingUncertainty(
  accuracy: EngineAccuracy | undefined,
  ttftMs: number,
  tpotMs: number,
  osl: number,
  clients?: number,
  gpu?: {name: string; measuredAs?: string; fittedGpus?: readonly string[]; layout?: ServingLayout},
): ServingUncertainty | undefined {
  if (!accuracy) return undefined
  const stats = statsAt(accuracy, clients)
  const groups = accuracy.byClients ?? []
  const index = groups.indexOf(stats as ClientsErrorStats)
  const group = index >= 0 ? {rows: 2 * groups[index].runs, clients: clientsRange(groups, index)} : {rows: accuracy.rows}
  return {
    heldOut: accuracy.heldOut,
    ...group,
    typical: bands(stats, ttftMs, tpotMs, osl, 'median'),
    p90: bands(stats, ttftMs, tpotMs, osl, 'p90'),
    ...(gpu && isUnfittedGpu(gpu, gpu.fittedGpus) ? {unfittedGpu: {gpu: gpu.name, fittedGpus: [...gpu.fittedGpus!]}} : {}),
    ...outputRateOf(accuracy, gpu),
    ...layoutOf(accuracy, gpu?.layout),
  }
}

/** The held-out error of a data-parallel-attention deployment's layout, if the engine file gives it apart. */
function layoutOf(accuracy: EngineAccuracy | undefined, layout: ServingLayout | undefined): Pick<ServingUncertainty, 'layout'> {
  if (layout !== 'attention-data-parallel') return {}
  const stats = accuracy?.byLayout?.find((l) => l.layout === layout)
  return stats ? {layout: stats} : {}
}

/**
 * The words for the held-out error of a layout's runs.
 *
 * @example
 * layoutErrorText({layout: 'attention-data-parallel', runs: 19, ttft: {mape: 0.6, median: 0.55, p90: 0.9, ratio: 0.45}, tpot: {mape: 0.08, median: 0.07, p90: 0.15, ratio: 0.94}})
 * // 'Held-out attention data-parallel runs of this engine: 19, their TTFT predicted at 0.45x the measured in the median (within 55%; 9 in 10 within 90%), their TPOT at 0.94x (within 7%). The bands above are all layouts' runs at this load.'
 */
export function layoutErrorText(l: LayoutErrorStats): string {
  return (
    `Held-out ${layoutWords(l.layout)} runs of this engine: ${l.runs}, their TTFT predicted at ${l.ttft.ratio.toFixed(2)}x the measured in the median (within ${pct(l.ttft.median)}; 9 in 10 within ${pct(l.ttft.p90)}), ` +
    `their TPOT at ${l.tpot.ratio.toFixed(2)}x (within ${pct(l.tpot.median)}). The bands above are all layouts' runs at this load.`
  )
}

/** The output-rate check of the GPU (by its name, else the measured GPU whose tables it reads) and layout, if the engine has one. */
function outputRateOf(accuracy: EngineAccuracy, gpu: {name: string; measuredAs?: string; layout?: ServingLayout} | undefined): Pick<ServingUncertainty, 'outputRate'> {
  const rate = accuracy.outputRate
  if (!rate || !gpu?.layout) return {}
  const names = namesOf(gpu)
  const [check] = checksOf(rate.checks, [gpu])
    .filter((c) => c.layout === gpu.layout)
    .sort((a, b) => names.indexOf(a.gpu) - names.indexOf(b.gpu))
  return check ? {outputRate: {...check, data: rate.data}} : {}
}

/**
 * The words for an output-rate check.
 *
 * @example
 * outputRateText({gpu: 'B200-SXM', layout: 'tensor-parallel', runs: 53, median: 0.121, p90: 0.25, ratio: 1.08, data: ['calibration/trtllm-bench.csv (NVIDIA ...)']})
 * // 'Measured output rates no fit read: 53 tensor-parallel runs on B200-SXM (calibration/trtllm-bench.csv) came out within 12% (median; 9 in 10 within 25%), 1.08x the measured rate in the median.'
 */
export function outputRateText(c: OutputRateCheck & {data: string[]}): string {
  return `Measured output rates no fit read: ${runsText(c.runs, layoutWords(c.layout))} on ${c.gpu} (${filesOf(c.data)}) came out within ${pct(c.median)} (median; 9 in 10 within ${pct(c.p90)}), ${c.ratio.toFixed(2)}x the measured rate in the median.`
}

/**
 * The output-rate checks of the GPUs a sweep covers (each by its name or the measured GPU it stands for),
 * in one sentence; undefined without any. `layouts`: those the sweep serves (a dense model's: tensor-parallel only).
 *
 * @example
 * outputRateSummary({..., outputRate: {data: ['calibration/trtllm-bench.csv (NVIDIA ...)'], checks: [{gpu: 'B200-SXM', layout: 'tensor-parallel', runs: 47, median: 0.11, p90: 0.2, ratio: 1.09}]}}, [{name: 'B200-SXM'}])
 * // 'Measured output rates no fit read (calibration/trtllm-bench.csv): B200-SXM tensor-parallel, 47 runs within 11% (median), 1.09x the measured rate.'
 */
export function outputRateSummary(
  accuracy: EngineAccuracy | undefined,
  gpus: readonly {name: string; measuredAs?: string}[],
  layouts: readonly ServingLayout[] = SERVING_LAYOUTS,
): string | undefined {
  const rate = accuracy?.outputRate
  if (!rate) return undefined
  const checks = checksOf(rate.checks, gpus).filter((c) => layouts.includes(c.layout))
  if (!checks.length) return undefined
  const each = checks.map((c) => `${c.gpu} ${layoutWords(c.layout)}, ${runsText(c.runs)} within ${pct(c.median)} (median), ${c.ratio.toFixed(2)}x the measured rate`)
  return `Measured output rates no fit read (${filesOf(rate.data)}): ${each.join('; ')}.`
}

/**
 * The held-out error of the engine's data-parallel-attention runs, for a sweep that serves that
 * layout, in one sentence; undefined where the engine file does not give it apart.
 *
 * @example
 * layoutSummary({..., byLayout: [{layout: 'tensor-parallel', ...}, {layout: 'attention-data-parallel', runs: 19, ttft: {mape: 0.6, median: 0.55, p90: 0.9, ratio: 0.45}, tpot: {mape: 0.08, median: 0.07, p90: 0.15, ratio: 0.94}}]}, SERVING_LAYOUTS)
 * // 'Held-out attention data-parallel runs (19): TTFT 0.45x the measured in the median (within 55%), TPOT 0.94x (within 7%).'
 */
export function layoutSummary(accuracy: EngineAccuracy | undefined, layouts: readonly ServingLayout[]): string | undefined {
  const l = layouts.includes('attention-data-parallel') ? layoutOf(accuracy, 'attention-data-parallel').layout : undefined
  if (!l) return undefined
  return `Held-out ${layoutWords(l.layout)} runs (${l.runs}): TTFT ${l.ttft.ratio.toFixed(2)}x the measured in the median (within ${pct(l.ttft.median)}), TPOT ${l.tpot.ratio.toFixed(2)}x (within ${pct(l.tpot.median)}).`
}

/** The checks of runs measured on any of `gpus` (by its name, or the measured GPU it stands for), in their order. */
function checksOf(checks: readonly OutputRateCheck[], gpus: readonly {name: string; measuredAs?: string}[]): OutputRateCheck[] {
  const names = new Set(gpus.flatMap(namesOf))
  return checks.filter((c) => names.has(c.gpu))
}

const runsText = (runs: number, kind?: string) => `${runs}${kind ? ` ${kind}` : ''} run${runs === 1 ? '' : 's'}`
const layoutWords = (layout: ServingLayout) => (layout === 'tensor-parallel' ? 'tensor-parallel' : 'attention data-parallel')
const filesOf = (data: readonly string[]) => data.map((d) => d.replace(/ \(.*$/, '')).join(', ')
const pct = (v: number) => `${(v * 100).toFixed(0)}%`
