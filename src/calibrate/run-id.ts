/**
 * What an AIConfigurator run id says beyond the columns. Its exports name a
 * run `<model>_<gpu>_<engine>_<dtype>_agg_<isl>x<osl>_c<concurrency>_tp<tp>_ep<ep>_<n>`
 * (`2026_04_06_deepseek_r1_h200_sxm_trtllm_fp8_agg_1024x1024_c4_tp8_ep8_954`),
 * older ones without the dtype or the layout. Each token is read only where
 * it stands between underscores.
 *
 * @example
 * runIdTokens('dsr1_b200_trtllm_fp4_agg_1024x1024_c64_tp8_ep8_9-tpot') // {fp4: true, agg: {isl: 1024, osl: 1024}, concurrency: 64, tp: 8, ep: 8}
 * runIdTokens('qwen3_32b_h100_sxm_vllm_agg_4000x1000_c_tp1_0_epnone_4-ttft') // {fp4: false, agg: {isl: 4000, osl: 1000}, tp: 1}
 */
export interface RunIdTokens {
  /** The dtype before agg / disagg is fp4 or nvfp4 (not gpt-oss's mxfp4). */
  fp4: boolean
  /** An aggregated-serving run's lengths, `agg_<isl>x<osl>`: the id is one AIConfigurator's runs write. */
  agg?: {isl: number; osl: number}
  /** The instance's concurrency, `c<n>`. */
  concurrency?: number
  /** The launch layout, `tp<n>` and `ep<n>` (`epnone` names none). */
  tp?: number
  ep?: number
}

const FP4_DTYPE = /_(?:nv)?fp4_(?:agg|disagg)_/i
const AGG = /_agg_(\d+)x(\d+)_/i
const CONCURRENCY = /_c(\d+)_/
const TP = /_tp(\d+)_/
const EP = /_ep(\d+)_/

const numberOf = (re: RegExp, id: string): number | undefined => {
  const m = re.exec(id)
  return m ? Number(m[1]) : undefined
}

export function runIdTokens(id: string): RunIdTokens {
  const padded = `${id}_`
  const out: RunIdTokens = {fp4: FP4_DTYPE.test(padded)}
  const agg = AGG.exec(padded)
  if (agg) out.agg = {isl: Number(agg[1]), osl: Number(agg[2])}
  const concurrency = numberOf(CONCURRENCY, padded)
  const tp = numberOf(TP, padded)
  const ep = numberOf(EP, padded)
  if (concurrency !== undefined) out.concurrency = concurrency
  if (tp !== undefined) out.tp = tp
  if (ep !== undefined) out.ep = ep
  return out
}
