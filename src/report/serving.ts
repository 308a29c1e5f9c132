/** Text view of a serving prediction (infersim simulate --serving). */
import type {KvFp8Reason, ServingResult} from '../serving/simulate.js'
import {frontendTokensPerSecond, openingWaveText} from '../engine.js'
import {center} from './text.js'
import {layoutErrorText, outputRateText, runsOfRows, unfittedGpuText} from '../serving/accuracy.js'
import {draftText} from '../serving/speculative.js'

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2))
const line = (label: string, value: string) => `${label.padEnd(40)} ${value}`
const BUDGET_SOURCE: Record<ServingResult['maxPrefillTokensSource'], string> = {flag: '--max-prefill-tokens', 'engine-gpu': "engine default on this GPU", engine: 'engine default'}

/** `s.engineFile`: the file the engine's parameters came from (a user's fit or the bundled one). */
export function renderServing(s: ServingResult & {engineFile?: string}): string[] {
  const p = s.ttftParts
  const u = s.uncertainty
  const pct = (v: number) => `±${(v * 100).toFixed(0)}%`
  const within = (typical: number, p90: number) => (u ? ` (typically within ${pct(typical)}, 9 in 10 within ${pct(p90)})` : '')
  const out = [
    center(` Serving (${s.engine}, ${s.concurrency} requests per replica) `, '='),
    line('Engine', `${s.engine} (${s.engineFile ?? `data/engines/${s.engine}.json`})`),
    line('Replicas (TP groups) x TP', `${s.replicas} x ${s.tp}${s.moeEp > 1 ? ` (MoE: EP ${s.moeEp} x TP ${s.moeTp} over the ${s.replicas * s.tp} GPUs)` : ''}`),
    line('Input / output tokens per request', `${s.isl} / ${s.osl}`),
    line('Step token budget', `${s.maxPrefillTokens} (${BUDGET_SOURCE[s.maxPrefillTokensSource]})${s.wholePromptsPerStep === undefined ? '' : `; whole prompts only, ${s.wholePromptsPerStep} a step at most (no chunked prefill)`}`),
    ...(s.gpuDefaults ? [line('Engine defaults here', `${[...Object.entries(s.gpuDefaults.values), ...(s.gpuDefaults.kvCacheFp8 ? [['KV cache', 'fp8']] : [])].map(([k, v]) => `${k} ${v}`).join(', ')} (${s.gpuDefaults.sources.map((t) => t.split('. ')[0]).join('; ')})`)] : []),
    line('KV cache', `${s.kvDtype === 'fp8' ? 'fp8' : "the model's dtype"}${kvReasonText(s.kvFp8Reason, s.engine)}, ${s.kvPoolGiB.toFixed(1)} GiB per GPU`),
    ...(s.fp8GemmKernel ? [line('FP8 GEMMs', `${s.engine}'s own kernels in prefill, at the BF16 rows' share of the peak where higher (fp8_gemm ${s.fp8GemmKernel}); decode at the FP8 rows`)] : []),
    ...(s.moeExpertBlockRows
      ? [line('MoE expert GEMMs', `each active expert's tokens padded to ${s.moeExpertBlockRows} rows (moe_expert_block_rows: ${s.engine}'s grouped kernel for FP8 block-scaled experts)`)]
      : []),
    ...(s.speculative ? [line('Speculative decoding', draftText(s.speculative))] : []),
    line('Requests running / KV capacity', `${ms(s.running)} / ${s.kvCapacity}`),
    ...beyondPool(s),
    center('Latency', '-'),
    line('Mean TTFT (ms)', ms(s.ttftMs) + (u ? within(u.typical.ttft, u.p90.ttft) : '')),
    line('  admission wait (ms)', ms(p.admissionMs)),
    line('  wait to join a step (ms)', ms(p.joinMs)),
    line('  own prefill steps (ms)', ms(p.prefillMs)),
    line('  prefill queue and waves (ms)', ms(s.ttftMs - p.admissionMs - p.joinMs - p.prefillMs - p.overheadMs - p.frontendMs)),
    ...(p.openingWaveMs !== 0
      ? [line("    benchmark's opening wave (ms)", `${ms(p.openingWaveMs)} (${openingWaveText(s.params.sync_share)}; --opening-wave 0: a steady state)`)]
      : []),
    line('  engine/HTTP overhead (ms)', ms(p.overheadMs)),
    ...(p.frontendMs > 0 ? [line('  API server behind (ms)', `${ms(p.frontendMs)} (it streams at most ${Math.round(frontendTokensPerSecond(s.params)).toLocaleString('en-US')} tokens/s)`)] : []),
    line('Mean TPOT (ms)', ms(s.tpotMs) + (u ? within(u.typical.tpot, u.p90.tpot) : '')),
    line(
      '  decode-only step (ms)',
      ms(s.decodeStepMs) +
        (s.speculative ? ` (draft and verify: ${+s.speculative.acceptLength.toFixed(2)} tokens a request)` : '') +
        (s.cudaGraphBatch ? ` (a CUDA graph of ${s.cudaGraphBatch}: GEMMs, experts and collectives at ${s.cudaGraphBatch} requests, attention at ${s.meanDecodeBatch.toFixed(0)})` : ''),
    ),
    ...(s.params.mixed_chunk === false
      ? [
          line('  prefill batch, decodes paused (ms)', `${ms(s.mixedStepMs)} (${s.prefillTokensPerMixedStep.toFixed(0)} prefill tokens; no mixed chunks)`),
          line("  wait for the wave's later batches", `${ms(s.wavePauseMs)} ms a token`),
        ]
      : [
          line(
            '  step with prefill (ms)',
            `${ms(s.mixedStepMs)} (${(s.mixedStepShare * 100).toFixed(0)}% of steps${s.lockstepGroups ? `, a prompt in any of the ${s.lockstepGroups} attention groups stepping together` : ''}, ${s.prefillTokensPerMixedStep.toFixed(0)} prefill tokens)`,
          ),
        ]),
    line('Mean decoding requests per step', s.meanDecodeBatch.toFixed(1)),
    center('Throughput', '-'),
    line('Requests/s per replica', s.requestsPerSecond.toFixed(2)),
    line('Requests/s, all replicas', s.totalRequestsPerSecond.toFixed(2)),
    line('Output tokens/GPU/s', s.outputTokensPerGpuPerSecond.toFixed(1) + (u ? within(u.typical.tgs, u.p90.tgs) : '')),
    ...(s.finiteRun ? [finiteRunLine(s.finiteRun)] : []),
    u
      ? `Error bands: ${u.heldOut}, ${u.clients ? `its ${runsOfRows(u.rows)} runs at ${u.clients}` : `${runsOfRows(u.rows)} runs`} (TTFT and TPOT each); throughput's band weighs TTFT's and TPOT's by their time.` +
        (s.gpuDefaults?.values.sync_share !== undefined ? " Those runs were benchmarks with their own opening wave; --opening-wave here predicts another, which no measured run checks." : '') +
        (u.unfittedGpu ? ` ${unfittedGpuText([u.unfittedGpu.gpu], u.unfittedGpu.fittedGpus)}` : '') +
        (s.speculative ? ' No run in the fit named speculative decoding: the band is not measured with it, and the acceptance length moves TPOT in proportion.' : '')
      : 'Error bands: none (the engine file has no held-out error; calibrate --fit writes one).',
    ...(u?.layout ? [layoutErrorText(u.layout)] : []),
    ...(u?.outputRate ? [outputRateText(u.outputRate)] : []),
  ]
  return out
}

/** The finite run of --requests: its rate, and the waves it goes in. */
function finiteRunLine(f: NonNullable<ServingResult['finiteRun']>): string {
  const waves = f.waves > 1 ? `${f.waves - 1} wave(s) of ${ms(f.running)}, then ${ms(f.lastWave)}` : `one wave of ${ms(f.lastWave)}`
  return line(`  run of ${ms(f.requests)} requests, queued`, `${f.outputTokensPerGpuPerSecond.toFixed(1)} output tokens/GPU/s (${waves}; --requests)`)
}

/** Where the requests the engine does not run go (a full pool or the batch limit): none when it runs them all. */
function beyondPool(s: ServingResult): string[] {
  if (s.waiting <= 1e-9 && s.preempted <= 0) return []
  if (s.preempted <= 0) return [line('  waiting for room', ms(s.waiting))]
  return [line('  waiting for room / paused (preempted)', `${ms(s.waiting)} / ${ms(s.preempted)}`)]
}

/** Why the KV cache is FP8, in the report's words ('' for --fp8-kv or the model's dtype). */
function kvReasonText(reason: KvFp8Reason | undefined, engine: string): string {
  if (reason === 'checkpoint') return ` (the checkpoint's kv_cache_quant_algo, which ${engine} follows)`
  if (reason === 'fp8-weights') return ` (FP8 weights: ${engine} serves them from a checkpoint quantized with its KV cache)`
  if (reason === 'fp4-weights') return ` (NVFP4 weights: ${engine} serves them from a checkpoint quantized with its KV cache)`
  if (reason === 'engine-default') return ` (${engine}'s default for this model on this GPU: Engine defaults here)`
  return ''
}
