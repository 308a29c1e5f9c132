/**
 * --csv FILE with --serving: every evaluated load of every serving unit (with
 * its deployment, whether it meets every target and whether it is on its
 * engine's frontier), then the disaggregated frontier's deployments; each
 * figure with its error band (empty when the engine is not cross-validated).
 */
import type {Engine} from '../../engine.js'
import {servingTieKey} from './aggregate.js'
import {bandsOf} from './band.js'
import type {UnitPlan} from './plan.js'
import type {AggregatedPlan, DisaggregatedPlan} from './result.js'
import type {ServingLayout, ServingPoint} from './types.js'
import {servingLayoutView, type ServingCommandContext} from './views.js'

export interface StoredPoint {
  point: ServingPoint
  plan: UnitPlan | undefined
  meets: boolean
}

export const SERVING_CSV_COLUMNS = [
  'mode',
  'engine',
  'gpu',
  'unit',
  'unit_gpus',
  'nodes',
  'tp',
  'dp',
  'moe_ep',
  'moe_tp',
  'weights',
  'fp8_kv',
  'deepep',
  'step_tokens',
  'concurrency_per_replica',
  'units',
  'gpus',
  'ttft_ms',
  'tpot_ms',
  'tokens_per_user_s',
  'tokens_per_gpu_s',
  'requests_per_s',
  'meets_targets',
  'frontier',
  'ttft_band',
  'tpot_band',
  'tokens_per_gpu_band',
  'prefill_layout',
  'prefill_tokens',
  'prefill_instances',
  'decode_layout',
  'decode_batch',
  'decode_instances',
  'kv_transfer_ms',
  'kv_link',
] as const

type Row = Partial<Record<(typeof SERVING_CSV_COLUMNS)[number], string | number | boolean>>

const line = (r: Row) => SERVING_CSV_COLUMNS.map((c) => (r[c] === undefined ? '' : String(r[c]))).join(',')

const phaseLabel = (v: DisaggregatedPlan['prefill']['layout']) => `${v.gpu} x${v.worldSize} tp${v.tp} ${v.weights}${v.fp8Kv ? ' kv-fp8' : ''}${v.deepep ? ' deepep' : ''}${v.tbo ? ' tbo' : ''}`

export function servingCsv(
  points: readonly StoredPoint[],
  layouts: readonly ServingLayout[],
  cmd: ServingCommandContext,
  engines: readonly Engine[],
  frontier: ReadonlySet<number>,
  disaggregated: readonly (AggregatedPlan | DisaggregatedPlan)[],
): string {
  const out = [SERVING_CSV_COLUMNS.join(',')]
  for (const {point: p, plan, meets} of points) {
    const l = layouts[p.layout]
    const v = servingLayoutView(l, cmd)
    const band = bandsOf(engines[l.engine].accuracy, p.ttftMs, p.tpotMs, cmd.osl, p.concurrency)
    out.push(
      line({
        mode: 'aggregated',
        engine: v.engine,
        gpu: v.gpu,
        unit: v.kind,
        unit_gpus: v.worldSize,
        nodes: v.nodes,
        tp: v.tp,
        dp: v.dp,
        moe_ep: v.moeEp,
        moe_tp: v.moeTp,
        weights: v.weights,
        fp8_kv: v.fp8Kv,
        deepep: v.deepep,
        step_tokens: p.budget,
        concurrency_per_replica: p.concurrency,
        units: plan?.units,
        gpus: plan?.gpus,
        ttft_ms: p.ttftMs,
        tpot_ms: p.tpotMs,
        tokens_per_user_s: 1000 / p.tpotMs,
        tokens_per_gpu_s: plan?.tgs ?? p.tgs,
        requests_per_s: plan?.requestsPerSecond,
        meets_targets: meets,
        frontier: frontier.has(servingTieKey(p)),
        ttft_band: band?.ttft,
        tpot_band: band?.tpot,
        tokens_per_gpu_band: band?.tgs,
      }),
    )
  }
  for (const d of disaggregated) {
    if (d.mode !== 'disaggregated') continue
    out.push(
      line({
        mode: 'disaggregated',
        gpu: d.gpu,
        gpus: d.gpus,
        ttft_ms: d.figures.ttftMs,
        tpot_ms: d.figures.tpotMs,
        tokens_per_user_s: d.figures.userTps,
        tokens_per_gpu_s: d.figures.tgs,
        requests_per_s: d.requestsPerSecond,
        meets_targets: true,
        frontier: true,
        prefill_layout: phaseLabel(d.prefill.layout),
        prefill_tokens: d.prefill.value,
        prefill_instances: d.prefill.instances,
        decode_layout: phaseLabel(d.decode.layout),
        decode_batch: d.decode.value,
        decode_instances: d.decode.instances,
        kv_transfer_ms: d.kvTransfer.ms,
        kv_link: d.kvTransfer.link,
      }),
    )
  }
  return `${out.join('\n')}\n`
}
