/**
 * The step budget of an AIConfigurator run whose row names none: the one its generator launched the
 * engine with (TensorRT-LLM max_num_tokens = max_batch_size (>= 512) + isl + 1500 in 32-token blocks,
 * SGLang --max-prefill-tokens isl + 1500 capped by its chunk, vLLM its default).
 */
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {EvalEnvironment} from '../../src/calibrate/environment.js'
import {launchBudget} from '../../src/calibrate/launch-budget.js'
import {parseMeasurements} from '../../src/calibrate/measurements.js'
import {evaluateRows} from '../../src/calibrate/runner.js'
import {getProfile} from '../../src/profile.js'
import {ROOT} from '../helpers/cli.js'

const row = (id: string, isl: number, max_prefill_tokens: number | null = null) => ({id, isl, max_prefill_tokens})

describe('launchBudget', () => {
  it('gives TensorRT-LLM 512 + isl + 1500 tokens, rounded up to 32-token blocks', () => {
    // 512 + 1024 + 1500 = 3036 -> 95 blocks of 32 = 3040; 512 + 8192 + 1500 = 10204 -> 319 blocks = 10208
    expect(launchBudget(row('m_h200_sxm_trtllm_fp8_agg_1024x1024_c8_tp1_ep1_3-ttft', 1024), 'trtllm', 8192)?.tokens).toBe(3040)
    expect(launchBudget(row('m_h200_sxm_trtllm_fp8_agg_8192x1024_c8_tp1_ep1_3-ttft', 8192), 'trtllm', 8192)?.tokens).toBe(10208)
  })

  it("gives SGLang isl + 1500 tokens, at most the engine's chunk on the GPU", () => {
    expect(launchBudget(row('m_h200_sxm_sglang_agg_1024x1024_c8_tp1_epnone_3-ttft', 1024), 'sglang', 8192)?.tokens).toBe(2524)
    expect(launchBudget(row('m_h200_sxm_sglang_agg_8192x1024_c8_tp1_epnone_3-ttft', 8192), 'sglang', 8192)?.tokens).toBe(8192)
    expect(launchBudget(row('m_b200_sxm_sglang_agg_8192x1024_c8_tp1_epnone_3-ttft', 8192), 'sglang', 16384)?.tokens).toBe(9692)
  })

  it("leaves vLLM, a row that names its budget, and an id that is not AIConfigurator's (or not this row's) to the engine", () => {
    expect(launchBudget(row('m_h200_sxm_vllm_agg_1024x1024_c8_tp1_epnone_3-ttft', 1024), 'vllm', 8192)).toBeUndefined()
    expect(launchBudget(row('m_h200_sxm_trtllm_fp8_agg_1024x1024_c8_tp1_ep1_3-ttft', 1024, 8192), 'trtllm', 8192)).toBeUndefined()
    expect(launchBudget(row('my-own-run-1024-c8-ttft', 1024), 'trtllm', 8192)).toBeUndefined()
    expect(launchBudget(row('m_h200_sxm_trtllm_fp8_agg_2048x1024_c8_tp1_ep1_3-ttft', 1024), 'trtllm', 8192)).toBeUndefined()
  })
})

describe('an AIConfigurator row in calibrate', () => {
  const header = 'id,model,gpu,world_size,nodes,tp,fp8_gemm,fp8_kv,deepep,tbo,isl,osl,phase,max_prefill_tokens,decode_batch,metric,actual,source,notes,moe_tp,moe_ep,backend'
  // The same TensorRT-LLM run at 128 clients, once as AIConfigurator names it and once with the engine's default budget given.
  const text = [
    header,
    'l8_h100_sxm_trtllm_agg_1024x1024_c128_tp1_ep1_1-ttft,llama-3.1-8b,H100-SXM,1,1,1,0,0,0,0,1024,1024,serving,,128,ttft_ms,500,test,,1,1,trtllm',
    'given-ttft,llama-3.1-8b,H100-SXM,1,1,1,0,0,0,0,1024,1024,serving,8192,128,ttft_ms,500,test,,1,1,trtllm',
  ].join('\n')
  const parsed = parseMeasurements(text, 'test.csv', path.join(ROOT, 'test', 'fixtures'))
  const [launched, given] = evaluateRows(parsed.rows, new EvalEnvironment(), getProfile('default'))

  it('reads the launch budget, says so, and waits longer for its first token than at 8192 tokens a step', () => {
    expect(parsed.problems).toEqual([])
    expect(launched.status).toBe('ok')
    expect(launched.warnings).toContain('launch-budget')
    expect(given.warnings).not.toContain('launch-budget')
    // 128 prompts of 1,024 tokens: 3,040-token steps hold fewer of them than 8,192-token steps, so more steps pass before the last.
    expect(launched.simulated!).toBeGreaterThan(given.simulated!)
  })
})
