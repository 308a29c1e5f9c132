/** Text view of the serving engine fit: error per engine, metric and model, held out first. */
import {displayPath} from '../io/paths.js'
import type {HoldOut} from './hold-outs.js'
import type {ServingAccuracy, ThroughputAccuracy} from './serving-accuracy.js'
import type {ErrorBreakdown, MetricErrors, ServingFitReport} from './serving-engines.js'

const pct = (v: number) => `${v.toFixed(1)}%`.padStart(8)
const cells = (e: MetricErrors | undefined) => (e ? `${pct(e.mape)}${pct(e.median)}${pct(e.over2x)}` : `${'-'.padStart(8)}${'-'.padStart(8)}${'-'.padStart(8)}`)

/** One breakdown as a table: a line per model, per GPU, per range of clients and per layout where there is more than one, and all. */
function table(title: string, b: ErrorBreakdown): string[] {
  const models = [...new Set([...Object.keys(b.ttft_ms.byModel), ...Object.keys(b.tpot_ms.byModel)])].sort()
  const layouts = Object.keys(b.ttft_ms.byLayout ?? {})
  const width = Math.max(18, ...[...models, ...(layouts.length > 1 ? layouts : [])].map((m) => m.length + 2))
  const head = (m: string) => `${m.padStart(8)}${'median'.padStart(8)}${'>2x'.padStart(8)}`
  const lines = [title, `  ${'model'.padEnd(width)}${'rows'.padStart(6)}${head('TTFT')}${head('TPOT')}`]
  const row = (label: string, t: MetricErrors | undefined, p: MetricErrors | undefined) =>
    lines.push(`  ${label.padEnd(width)}${String((t?.rows ?? 0) + (p?.rows ?? 0)).padStart(6)}${cells(t)}${cells(p)}`)
  for (const m of models) row(m, b.ttft_ms.byModel[m], b.tpot_ms.byModel[m])
  // By GPU (each direction with a GPU held out), by clients per replica and by layout, where there is more than one.
  for (const [by, label] of [['byGpu', (g: string) => `on ${g}`], ['byClients', (c: string) => `${c} clients`], ['byLayout', (l: string) => l]] as const) {
    const ttft: Record<string, MetricErrors | undefined> = b.ttft_ms[by] ?? {}
    const tpot: Record<string, MetricErrors | undefined> = b.tpot_ms[by] ?? {}
    const keys = Object.keys(ttft)
    if (keys.length > 1) for (const k of keys) row(label(k), ttft[k], tpot[k])
  }
  row('all', b.ttft_ms.all, b.tpot_ms.all)
  return lines
}

const HELD_OUT_TITLES: Record<HoldOut, string> = {
  gpu: 'held out: a whole GPU (fit on the other GPUs\' runs)',
  model: 'held out: a whole model (fit on the engine\'s other models)',
  version: 'held out: a whole engine version (fit on its other versions)',
}

const GPU_ALONE_TITLE = 'each GPU fitted alone (its runs predicted by a fit on its runs only: the model\'s best there; a GPU held out above this is what the transfer costs):'

export function renderServingFit(r: ServingFitReport): string[] {
  const lines = [`== serving engines fitted (profile ${r.profile}; MAPE, median absolute % error, share of rows more than 2x off) ==`]
  for (const e of r.engines) {
    lines.push('', `${e.engine}: ${e.runs} runs, ${e.rows} rows on ${e.gpus.join(', ')} -> ${displayPath(e.file)}`)
    for (const [by, b] of Object.entries(e.held_out) as [HoldOut, ErrorBreakdown][]) lines.push(...table(`${HELD_OUT_TITLES[by]}:`, b))
    if (e.gpu_alone) lines.push(...table(GPU_ALONE_TITLE, e.gpu_alone))
    lines.push(...table('in-sample:', e.in_sample))
  }
  for (const [by, b] of Object.entries(r.overall_held_out) as [HoldOut, ErrorBreakdown][]) lines.push('', ...table(`all engines, ${HELD_OUT_TITLES[by]}:`, b))
  if (r.overall_gpu_alone) lines.push('', ...table(`all engines, ${GPU_ALONE_TITLE}`, r.overall_gpu_alone))
  lines.push('', ...table('all engines, in-sample:', r.overall_in_sample))
  if (r.problems.length) lines.push('', `${r.problems.length} serving row(s) not used:`, ...r.problems.map((p) => `  ${p}`))
  if (r.implausible.length) {
    lines.push('', `${r.implausible.length} run(s) faster than the kernel tables allow (kept in the fit and in the figures above):`, ...r.implausible.map((p) => `  ${p}`))
    const gpu = r.overall_held_out_explained.gpu
    if (gpu) lines.push('', ...table(`all engines, ${HELD_OUT_TITLES.gpu}, without those runs:`, gpu))
  }
  return lines
}

/** The serving rows' error as the engine files stand (calibrate without --fit): per engine, then all engines. */
export function renderServingAccuracy(profile: string, a: ServingAccuracy): string[] {
  const lines: string[] = []
  const engines = Object.entries(a.engines)
  if (a.rows > 0) lines.push(`serving rows, profile ${profile} (${a.rows} rows; MAPE, median absolute % error, share of rows more than 2x off):`)
  for (const [engine, b] of engines) lines.push(...table(`${engine}:`, b))
  if (engines.length > 1) lines.push(...table('all engines:', a.all))
  if (a.throughput) lines.push(...throughputTable(profile, a.throughput))
  return lines
}

/** The output-rate rows (output_tgs): a line per GPU, per model, per layout where there are two, and all. */
function throughputTable(profile: string, t: ThroughputAccuracy): string[] {
  const labels = [...Object.keys(t.byGpu).map((g) => `on ${g}`), ...Object.keys(t.byModel), ...Object.keys(t.byLayout)]
  const width = Math.max(18, ...labels.map((m) => m.length + 2))
  const lines = [`serving output tokens/s/GPU rows, profile ${profile} (${t.all.rows} rows; MAPE, median absolute % error, share of rows more than 2x off):`, `  ${''.padEnd(width)}${'rows'.padStart(6)}${'MAPE'.padStart(8)}${'median'.padStart(8)}${'>2x'.padStart(8)}`]
  const row = (label: string, e: MetricErrors) => lines.push(`  ${label.padEnd(width)}${String(e.rows).padStart(6)}${cells(e)}`)
  for (const [g, e] of Object.entries(t.byGpu)) row(`on ${g}`, e)
  for (const [m, e] of Object.entries(t.byModel)) row(m, e)
  if (Object.keys(t.byLayout).length > 1) for (const [l, e] of Object.entries(t.byLayout)) row(l, e)
  row('all', t.all)
  return lines
}
