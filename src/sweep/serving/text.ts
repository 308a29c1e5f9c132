/** The text report of a serving sweep: what was searched, the ranked deployments with their reproducing lines and launch commands, the frontiers. */
import {speculativeText} from '../../serving/speculative.js'
import {renderTable} from '../../report/table.js'
import {layoutLabel} from '../views.js'
import {bandText} from './band.js'
import type {EngineLaunch} from './launch.js'
import type {AggregatedPlan, DisaggregatedPlan, RankedPlan, ServingFigures, ServingSweepResult} from './result.js'
import {servingLayoutLabel} from './views.js'
import {HIGH_TOKEN_RATE, HIGH_TOKEN_RATE_RUNS} from '../../serving/simulate.js'
import {openingWaveText} from '../../engine.js'

const n0 = (v: number) => Math.round(v).toLocaleString('en-US')
const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2))
const withBand = (text: string, rel: number | undefined) => (rel === undefined ? text : `${text} ${bandText(rel)}`)
/** A TTFT cell: its band, and a mark where it is likely under-predicted (LIKELY_LOW_NOTE). */
const ttftCell = (f: ServingFigures) => `${withBand(ms(f.ttftMs), f.band?.ttft)}${f.ttftLikelyLow ? ' (!)' : ''}`
const LIKELY_LOW_NOTE = `(!) TTFT likely under-predicted: a replica streams ${HIGH_TOKEN_RATE.toLocaleString('en-US')} output tokens/s or more, where measured TTFTs were mostly above the model's, median ${HIGH_TOKEN_RATE_RUNS.medianRatio}x (docs/serving.md)`
const anyLikelyLow = (plans: readonly {figures: ServingFigures}[]) => plans.some((p) => p.figures.ttftLikelyLow)

function spread<T>(rows: T[], max: number): T[] {
  if (rows.length <= max) return rows
  return Array.from({length: max}, (_, i) => rows[Math.round((i * (rows.length - 1)) / (max - 1))])
}

function header(r: ServingSweepResult): string[] {
  const t = r.targets
  const targets = [
    t.ttftMaxMs !== undefined && `TTFT <= ${t.ttftMaxMs} ms`,
    t.tpotMaxMs !== undefined && `TPOT <= ${t.tpotMaxMs} ms`,
    t.requestRate !== undefined && `sustaining ${t.requestRate} requests/s`,
    t.concurrency !== undefined && `sustaining ${t.concurrency} requests in flight`,
  ].filter(Boolean)
  const c = r.counts
  const skipped = Object.entries(c.skipped)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${n0(v)} ${k}`)
  return [
    `serving sweep of ${r.model} (profile ${r.profile}) on ${r.gpus.join(', ')}, ${r.space.minGpus}-${r.space.maxGpus} GPUs, ISL ${t.isl}, OSL ${t.osl}, ${r.space.modes.join(' and ')}`,
    `targets (means): ${targets.length ? targets.join(', ') : 'none (every deployment counts)'}`,
    ...r.engines.map((e) => `${e.title} ${e.version} (${e.name}): ${e.band}`),
    ...(t.openingWave === undefined
      ? []
      : [`opening wave: ${openingWaveText(t.openingWave)} (--opening-wave); the error bands come from benchmarks with their own`]),
    ...(t.cudaGraphBatchSizes === undefined ? [] : [`CUDA graphs at ${t.cudaGraphBatchSizes.join(', ')} requests, decode steps padded to the next (--cuda-graph-batches)`]),
    ...(t.speculative === undefined
      ? []
      : [`speculative decoding (--mtp): ${speculativeText(t.speculative)}; no run in the engines' fits named it, so the error bands are not measured with it`]),
    `${n0(c.layouts)} serving units${skipped.length ? ` (left out without evaluating: ${skipped.join(', ')})` : ''}, ${n0(c.evaluations)} serving evaluations` +
      `${c.phaseSimulations ? `, ${n0(c.phaseSimulations)} phase simulations for disaggregated plans` : ''} in ${r.timing.seconds.toFixed(2)} s (${r.timing.workers > 0 ? `${r.timing.workers} worker threads` : 'in-process'})`,
  ]
}

const deployment = (p: AggregatedPlan | DisaggregatedPlan) =>
  p.mode === 'aggregated'
    ? `${servingLayoutLabel(p.layout)}${p.units > 1 ? `, ${p.units} replicas` : ''}`
    : `${p.prefill.instances} x [${layoutLabel(p.prefill.layout)}] prefill + ${p.decode.instances} x [${layoutLabel(p.decode.layout)}] decode`

function topTable(r: ServingSweepResult): string {
  const rows = r.top.map((p) => [
    p.rank,
    p.mode === 'aggregated' ? p.engine : 'any',
    p.mode === 'aggregated' ? 'agg' : 'disagg',
    deployment(p),
    p.gpus,
    p.mode === 'aggregated' ? p.concurrency : p.decode.value,
    p.mode === 'aggregated' ? p.stepTokens : p.prefill.value,
    ttftCell(p.figures),
    withBand(ms(p.figures.tpotMs), p.figures.band?.tpot),
    p.figures.userTps.toFixed(1),
    withBand(n0(p.figures.tgs), p.figures.band?.tgs),
    p.withinBandOf.length ? p.withinBandOf.map((k) => `#${k}`).join(' ') : '',
  ])
  return renderTable(['#', 'engine', 'mode', 'deployment', 'GPUs', 'conc/replica', 'step tokens', 'TTFT ms', 'TPOT ms', 'tok/s/user', 'tok/GPU/s', 'within band of'], rows, [0, 4, 5, 6, 9])
}

function launchLines(l: EngineLaunch, indent: string, what: string): string[] {
  const out = [`${indent}${what} (${l.engine} ${l.version}):`]
  for (const f of l.files) out.push(`${indent}  ${f.name}:`, ...f.content.trimEnd().split('\n').map((x) => `${indent}    ${x}`))
  for (const c of l.commands) out.push(`${indent}  ${l.commands.length > 1 ? `${c.label}: ` : ''}${c.command}`)
  for (const n of l.notes) out.push(`${indent}  note: ${n}`)
  return out
}

function details(p: RankedPlan): string[] {
  if (p.mode === 'aggregated') {
    return [
      `#${p.rank} ${p.engine} aggregated: ${deployment(p)}: ${p.units} unit${p.units > 1 ? 's' : ''} of ${p.layout.worldSize} GPU${p.layout.worldSize > 1 ? 's' : ''}, ${p.concurrency} requests per replica (${+p.totalConcurrency.toFixed(2)} in flight), ${p.requestsPerSecond.toFixed(2)} requests/s, ${n0(p.tokensPerSecond)} output tokens/s`,
      `  reproduce one unit: ${p.simulate}`,
      ...launchLines(p.launch, '  ', 'launch'),
    ]
  }
  const k = p.kvTransfer
  return [
    `#${p.rank} disaggregated: ${deployment(p)}, ${p.gpus} GPUs, ${p.requestsPerSecond.toFixed(2)} requests/s; KV transfer ${(k.bytesPerRequest / 2 ** 20).toFixed(1)} MiB per request, ${ms(k.ms)} ms over ${k.linkName}`,
    `  reproduce prefill: ${p.prefill.simulate}`,
    `  reproduce decode:  ${p.decode.simulate}`,
    ...p.launch.flatMap((l) => [...launchLines(l.prefill, '  ', 'launch prefill'), ...launchLines(l.decode, '  ', 'launch decode')]),
  ]
}

function frontierSection(r: ServingSweepResult): string[] {
  const out = ['Frontiers (output tokens/GPU/s against tokens/s per user, deployments meeting every target):']
  for (const f of r.frontiers) {
    const name = f.engine ? `${f.engine} aggregated` : 'disaggregated (phase model)'
    if (f.points.length === 0) {
      out.push(`  ${name}: empty`)
      continue
    }
    const shown = spread(f.points, 12)
    out.push(`  ${name}: ${f.points.length} points${shown.length < f.points.length ? ` (${shown.length} shown; all in --json and --csv)` : ''}`)
    const rows = shown.map((p) => [p.figures.userTps.toFixed(1), withBand(ms(p.figures.tpotMs), p.figures.band?.tpot), ttftCell(p.figures), withBand(n0(p.figures.tgs), p.figures.band?.tgs), p.gpus, deployment(p)])
    out.push(...renderTable(['tok/s/user', 'TPOT ms', 'TTFT ms', 'tok/GPU/s', 'GPUs', 'deployment'], rows, [0, 4]).split('\n').map((x) => `  ${x}`))
  }
  return out
}

export function renderServingText(r: ServingSweepResult): string {
  const blocks: string[][] = [header(r)]
  if (r.binding.length > 0) blocks.push(['Nothing meets the targets:', ...r.binding.map((b) => `  ${b.message}`)])
  if (r.top.length > 0) {
    blocks.push([
      `Top ${r.top.length} deployments meeting the targets, by output tokens/GPU/s ("within band of #k": the error band cannot tell them apart):`,
      topTable(r),
      ...(anyLikelyLow(r.top) ? [LIKELY_LOW_NOTE] : []),
    ])
    blocks.push(r.top.flatMap(details))
  }
  blocks.push(frontierSection(r))
  if (anyLikelyLow(r.frontiers.flatMap((f) => f.points)) && !anyLikelyLow(r.top)) blocks.push([LIKELY_LOW_NOTE])
  blocks.push(['Notes:', ...r.notes.map((n) => `  - ${n}`)])
  return blocks.map((b) => b.join('\n')).join('\n\n')
}
