/** A measurement row's weight format: the optional weight_format column, or an FP4 dtype in an AIConfigurator run id. */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {calibrate} from '../../src/api/calibrate.js'
import {rowWeightFormat} from '../../src/calibrate/deployment.js'
import {simulateServing} from '../../src/serving/simulate.js'
import {loadSimInputs} from '../../src/io/inputs.js'
import {DEFAULT_DEPLOYMENT} from '../../src/sim/deployment.js'
import {loadEngine} from '../../src/io/engines.js'
import {runCli} from '../helpers/cli.js'

const dir = mkdtempSync(path.join(tmpdir(), 'infersim-weight-format-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const HEADER = 'id,model,gpu,world_size,nodes,tp,fp8_gemm,fp8_kv,deepep,tbo,isl,osl,phase,max_prefill_tokens,decode_batch,metric,actual,source,notes,moe_tp,moe_ep,backend'
const row = (id: string, extra = '') => `${id},deepseek-r1,B200-SXM,8,1,8,1,0,0,0,1024,1024,serving,,64,tpot_ms,20,test,,1,8,trtllm${extra}`

function file(name: string, lines: string[], header = HEADER): string {
  const f = path.join(dir, name)
  writeFileSync(f, [header, ...lines].join('\n') + '\n')
  return f
}

describe('rowWeightFormat', () => {
  it("reads AIConfigurator's dtype token before agg / disagg, fp4 or nvfp4 only", () => {
    expect(rowWeightFormat({id: 'dsr1_b200_trtllm_fp4_agg_1024x1024_c4_cfg1-tpot', extra: {}})).toEqual({format: 'nvfp4', from: 'id'})
    expect(rowWeightFormat({id: '2026_04_06_deepseek_r1_gb200_trtllm_nvfp4_disagg_8192x1024_c64-ttft', extra: {}})).toEqual({format: 'nvfp4', from: 'id'})
    expect(rowWeightFormat({id: 'dsr1_h200_trtllm_fp8_agg_1024x1024_c4_cfg181-tpot', extra: {}})).toBeUndefined()
    expect(rowWeightFormat({id: 'gpt_oss_120b_b200_trtllm_mxfp4_agg_1024x1024_c4-tpot', extra: {}})).toBeUndefined()
    expect(rowWeightFormat({id: 'fp4-study-1', extra: {}})).toBeUndefined()
  })

  it('a weight_format column wins; empty or auto leaves it to the other columns', () => {
    expect(rowWeightFormat({id: 'x_fp4_agg_1', extra: {weight_format: 'fp8'}})).toEqual({format: 'fp8', from: 'column'})
    expect(rowWeightFormat({id: 'x_fp4_agg_1', extra: {weight_format: 'auto'}})).toBeUndefined()
    expect(rowWeightFormat({id: 'r1', extra: {weight_format: 'nvfp4'}})).toEqual({format: 'nvfp4', from: 'column'})
  })
})

describe('serving rows with a weight format', () => {
  it('an FP4 id and a weight_format column give what simulate gives for nvfp4 weights; fp8 ids are unchanged', async () => {
    const i = loadSimInputs({model: 'deepseek-r1', gpu: 'B200-SXM', profile: 'default'})
    const engine = loadEngine('trtllm')
    const d = {...DEFAULT_DEPLOYMENT, worldSize: 8, tp: 8, moeEp: 8, isl: 1024, osl: 1024, mode: 'both' as const}
    // AIConfigurator's ids name runs its generator launched with 512 + 1024 + 1500 = 3036 tokens a step, in 32-token blocks 3040.
    const expected = (weightFormat: 'nvfp4' | 'fp8', maxPrefillTokens?: number) =>
      simulateServing(i.model, {...d, weightFormat}, i.gpu, i.tables, i.profile, {concurrency: 64, engine, measured: true, maxPrefillTokens}).tpotMs
    const f = file('ids.csv', [row('dsr1_b200_trtllm_fp4_agg_1024x1024_c64_cfg1-tpot'), row('dsr1_b200_trtllm_fp8_agg_1024x1024_c64_cfg1-tpot')])
    const withColumn = file('column.csv', [row('r-nvfp4', ',nvfp4'), row('r-auto', ',')], `${HEADER},weight_format`)
    const result = await calibrate({measurements: [f, withColumn], profile: 'default'})
    const byId = new Map(result.rows.map((r) => [r.id, r]))
    const fp4 = byId.get('dsr1_b200_trtllm_fp4_agg_1024x1024_c64_cfg1-tpot')!
    expect(fp4.simulated).toBeCloseTo(expected('nvfp4', 3040), 6)
    expect(fp4.warnings).toContain('weight-format')
    expect(byId.get('dsr1_b200_trtllm_fp8_agg_1024x1024_c64_cfg1-tpot')!.simulated).toBeCloseTo(expected('fp8', 3040), 6)
    expect(byId.get('r-nvfp4')!.simulated).toBeCloseTo(expected('nvfp4'), 6)
    expect(byId.get('r-nvfp4')!.warnings).not.toContain('weight-format')
    expect(byId.get('r-auto')!.simulated).toBeCloseTo(expected('fp8'), 6)
    // nvfp4 reads half the bytes of fp8 weights: decode is faster (DeepSeek-R1 on B200: about a quarter).
    expect(expected('nvfp4')).toBeLessThan(0.85 * expected('fp8'))
  })

  it('fp8_gemm = 1 leaves a checkpoint that ships 4-bit experts in its format (gpt-oss: mxfp4), unless weight_format says otherwise', async () => {
    const i = loadSimInputs({model: 'gpt-oss-120b', gpu: 'H100-SXM', profile: 'default'})
    const engine = loadEngine('trtllm')
    const d = {...DEFAULT_DEPLOYMENT, worldSize: 4, tp: 4, isl: 4000, osl: 1000, fp8Gemm: true, mode: 'both' as const}
    const expected = (weightFormat: 'mxfp4' | 'fp8') =>
      simulateServing(i.model, {...d, weightFormat}, i.gpu, i.tables, i.profile, {concurrency: 48, engine, measured: true}).tpotMs
    const gpt = (id: string, extra = '') => `${id},gpt-oss-120b,H100-SXM,4,1,4,1,0,0,0,4000,1000,serving,,48,tpot_ms,48.8,test,,4,1,trtllm${extra}`
    const f = file('gpt-oss.csv', [gpt('g-auto', ','), gpt('g-fp8', ',fp8')], `${HEADER},weight_format`)
    const byId = new Map((await calibrate({measurements: [f], profile: 'default'})).rows.map((r) => [r.id, r]))
    expect(byId.get('g-auto')!.simulated).toBeCloseTo(expected('mxfp4'), 6)
    expect(byId.get('g-auto')!.warnings).toContain('weight-format')
    expect(byId.get('g-fp8')!.simulated).toBeCloseTo(expected('fp8'), 6)
    // TensorRT-LLM's measured gpt-oss TPOT at this point is 48.8 ms: the MXFP4 reading is the nearer.
    expect(Math.abs(Math.log(48.8 / expected('mxfp4')))).toBeLessThan(Math.abs(Math.log(48.8 / expected('fp8'))))
  })

  it("an fp4 id on a checkpoint that ships 4-bit weights keeps the checkpoint's format (gpt-oss: MXFP4, not NVFP4)", async () => {
    const i = loadSimInputs({model: 'gpt-oss-120b', gpu: 'B200-SXM', profile: 'default'})
    const d = {...DEFAULT_DEPLOYMENT, worldSize: 4, tp: 4, isl: 1024, osl: 1024, fp8Gemm: true, mode: 'both' as const}
    // An AIConfigurator id: launched with 3040 tokens a step (512 + 1024 + 1500 in 32-token blocks).
    const expected = (weightFormat: 'mxfp4' | 'nvfp4') =>
      simulateServing(i.model, {...d, weightFormat}, i.gpu, i.tables, i.profile, {concurrency: 16, engine: loadEngine('trtllm'), measured: true, maxPrefillTokens: 3040}).tpotMs
    const id = '2026_04_06_gpt_oss_120b_b200_sxm_trtllm_fp4_agg_1024x1024_c16_tp4_ep1_9-tpot'
    const f = file('gpt-oss-fp4.csv', [`${id},gpt-oss-120b,B200-SXM,4,1,4,1,0,0,0,1024,1024,serving,,16,tpot_ms,10,test,,4,1,trtllm`])
    const [r] = (await calibrate({measurements: [f], profile: 'default'})).rows
    expect(r.simulated).toBeCloseTo(expected('mxfp4'), 6)
    expect(expected('mxfp4')).not.toBeCloseTo(expected('nvfp4'), 1)
    expect(r.warnings).toContain('weight-format')
  })

  it('a weight_format the simulator does not know is a row error naming the column', async () => {
    const f = file('bad.csv', [row('r-bad', ',fp6')], `${HEADER},weight_format`)
    const r = await runCli(['calibrate', '--measurements', f, '--profile', 'default'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/line 2 \(row r-bad\).*weight_format/)
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/)
  })
})
