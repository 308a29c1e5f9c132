/** The text report of a sweep: what was searched, the top deployments with their command lines, disaggregated serving, the frontiers. */
import {speculativeText} from '../serving/speculative.js'
import {renderTable} from '../report/table.js'
import type {FrontierPoint, SweepResult} from './result.js'
import {layoutLabel} from './views.js'

const n0 = (v: number) => Math.round(v).toLocaleString('en-US')
const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2))
const ratio = (v: number) => (v >= 10 ? v.toFixed(1) : v.toFixed(2))

/** At most `max` rows, evenly spread, first and last kept. */
function spread<T>(rows: T[], max: number): T[] {
  if (rows.length <= max) return rows
  const out: T[] = []
  for (let i = 0; i < max; i++) out.push(rows[Math.round((i * (rows.length - 1)) / (max - 1))])
  return out
}

function header(r: SweepResult): string[] {
  const w = r.workload
  const targets = [w.ttftMaxMs !== undefined && `TTFT <= ${w.ttftMaxMs} ms`, w.tpotMaxMs !== undefined && `TPOT <= ${w.tpotMaxMs} ms`].filter(Boolean)
  const sizes = Object.entries(r.space.worldSizes).map(([g, s]) => `${g} ${s.length > 0 ? `${s[0]}-${s[s.length - 1]}` : 'none'}`)
  const c = r.counts
  const whyMemory = c.skipped.weights > 0 ? ` (${n0(c.skipped.weights)} of them: the weights alone do not fit)` : ''
  const skipped = Object.entries(c.skipped)
    .filter(([k, v]) => v > 0 && k !== 'weights')
    .map(([k, v]) => `${n0(v)} ${k}${k === 'memory' ? whyMemory : ''}`)
  return [
    `sweep of ${r.model} (profile ${r.profile}) on ${sizes.join(', ')} GPUs, ISL ${w.isl}, OSL ${w.osl}`,
    `targets: ${targets.length ? targets.join(', ') : 'none (every feasible point counts)'}${r.calibration ? `; figures calibrated with ${r.calibration.file} (${r.calibration.model})` : ''}`,
    ...(w.speculative ? [`speculative decoding (--mtp): ${speculativeText(w.speculative)}; decode points verify ${w.speculative.draftTokens + 1} tokens a request a step`] : []),
    `${n0(c.layouts)} feasible layouts${skipped.length ? `, skipped without simulating: ${skipped.join(', ')}` : ''}${c.batchesOverMemory ? `; ${n0(c.batchesOverMemory)} decode batches over memory left out` : ''}`,
    `${n0(c.simulations.total)} simulations (${n0(c.simulations.prefill)} prefill, ${n0(c.simulations.decode)} decode, ${n0(c.simulations.refinement)} refining the frontier) covering ${n0(c.deploymentsCovered)} deployments in ${r.timing.seconds.toFixed(2)} s (${n0(r.timing.simulationsPerSecond)}/s, ${r.timing.workers > 0 ? `${r.timing.workers} worker threads` : 'in-process'})`,
  ]
}

function topSection(r: SweepResult): string[] {
  if (r.top.length === 0) return []
  const rows = r.top.map((t) => [
    t.rank,
    layoutLabel(t.layout),
    t.prefill.value,
    ms(t.prefill.latencyMs),
    n0(t.prefill.tgs),
    t.decode.value,
    ms(t.decode.latencyMs),
    t.decode.userTps.toFixed(1),
    n0(t.decode.tgs),
    ratio(t.prefillGpusPerDecodeGpu),
    n0(t.systemTgs),
  ])
  const lines = [
    `Top ${r.top.length} deployments meeting the targets (one layout for both phases; system = prefill and decode instances of it in balance):`,
    renderTable(
      ['#', 'layout', 'prefill tok', 'TTFT ms', 'prefill tok/GPU/s', 'batch', 'TPOT ms', 'tok/s/user', 'decode tok/GPU/s', 'P:D GPUs', 'system tok/GPU/s'],
      rows,
      [0, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    ),
    'Reproduce with:',
  ]
  for (const t of r.top) lines.push(`  #${t.rank}  ${t.command}`)
  return lines
}

function disaggregatedSection(r: SweepResult): string[] {
  if (r.disaggregated.length === 0) return []
  const lines = ['Disaggregated serving (prefill and decode instances sized apart, whole instances within the GPU budget):']
  for (const d of r.disaggregated) {
    lines.push(
      `  ${d.gpu}: ${d.prefill.instances} prefill x [${layoutLabel(d.prefill.layout)}, ${d.prefill.pick.value} tokens, TTFT ${ms(d.prefill.pick.latencyMs)} ms, ${n0(d.prefill.pick.tgs)} tok/GPU/s]` +
        ` + ${d.decode.instances} decode x [${layoutLabel(d.decode.layout)}, batch ${d.decode.pick.value}, TPOT ${ms(d.decode.pick.latencyMs)} ms, ${n0(d.decode.pick.tgs)} tok/GPU/s]`,
      `    ${ratio(d.prefillGpusPerDecodeGpu)} prefill GPUs per decode GPU balance the phases (${n0(d.balancedSystemTgs)} output tok/GPU/s); with whole instances: ${d.gpus} GPUs, ${n0(d.systemTgs)} output tok/GPU/s, ${d.requestsPerSecond.toFixed(1)} requests/s`,
      `    prefill: ${d.prefill.command}`,
      `    decode:  ${d.decode.command}`,
    )
  }
  return lines
}

function frontierSection(title: string, points: FrontierPoint[], decode: boolean): string[] {
  if (points.length === 0) return [`${title}: empty`]
  const shown = spread(points, 20)
  const rows = shown.map((p) =>
    decode
      ? [p.userTps!.toFixed(1), ms(p.latencyMs), n0(p.tgs), p.value, layoutLabel(p.layout)]
      : [ms(p.latencyMs), n0(p.tgs), p.value, layoutLabel(p.layout)],
  )
  const head = decode ? ['tok/s/user', 'TPOT ms', 'tok/GPU/s', 'batch', 'layout'] : ['TTFT ms', 'tok/GPU/s', 'prefill tok', 'layout']
  return [
    `${title}: ${points.length} points${shown.length < points.length ? ` (${shown.length} shown; all in --json and --csv)` : ''}`,
    renderTable(head, rows, decode ? [0, 1, 2, 3] : [0, 1, 2]),
  ]
}

export function renderSweepText(r: SweepResult): string {
  const blocks: string[][] = [header(r)]
  if (r.binding.length > 0) blocks.push(['Nothing meets the targets:', ...r.binding.map((b) => `  ${b.message}`)])
  blocks.push(topSection(r), disaggregatedSection(r))
  blocks.push(frontierSection('Decode frontier (tokens/GPU/s against tokens/s per user, within the targets)', r.frontiers.decode, true))
  blocks.push(frontierSection('Prefill frontier (tokens/GPU/s against TTFT, within the targets)', r.frontiers.prefill, false))
  return blocks
    .filter((b) => b.length > 0)
    .map((b) => b.join('\n'))
    .join('\n\n')
}
