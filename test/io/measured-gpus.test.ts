// A GPU named as the reference names it (H200, GB200) reads, in the default profile, as its measured entry.
import {describe, expect, it} from 'vitest'
import {EvalEnvironment} from '../../src/calibrate/environment.js'
import {parseMeasurements} from '../../src/calibrate/measurements.js'
import {evaluateRows} from '../../src/calibrate/runner.js'
import {findGpu, profileGpu} from '../../src/hardware/gpu.js'
import {loadGpus} from '../../src/io/gpus.js'
import {loadSimInputs} from '../../src/io/inputs.js'
import {getProfile} from '../../src/profile.js'

const gpus = loadGpus()
const named = (name: string) => gpus.find((g) => g.name === name)!

describe('measuredGpus: the reference names of measured GPUs', () => {
  it('H200 reads as H200-SXM and GB200 as GB200-NVL72 with the switch, as themselves without it', () => {
    const on = getProfile('default').switches
    const off = getProfile('infersim').switches
    expect(profileGpu(named('H200'), gpus, on).name).toBe('H200-SXM')
    expect(profileGpu(named('GB200'), gpus, on).name).toBe('GB200-NVL72')
    // GB200-NVL72's HBM is AIConfigurator's 8 TB/s, not the reference's 13.4.
    expect(profileGpu(named('GB200'), gpus, on).memBwGBs).toBe(8000)
    expect(profileGpu(named('H200'), gpus, off).name).toBe('H200')
    expect(profileGpu(named('GB200'), gpus, getProfile('default', {measuredGpus: false}).switches).name).toBe('GB200')
    // AIConfigurator's system names find the same entries.
    expect(findGpu(gpus, 'h100_sxm')?.name).toBe('H100-SXM')
    expect(findGpu(gpus, 'GB200 NVL72')?.name).toBe('GB200-NVL72')
    // An entry without a measured one stays itself.
    expect(profileGpu(named('H20'), gpus, on).name).toBe('H20')
  })

  it('simulate reads the measured entry and its tables', () => {
    const inputs = loadSimInputs({model: 'llama-3.1-8b', gpu: 'H200', profile: 'default'})
    expect(inputs.gpu.name).toBe('H200-SXM')
    expect(inputs.tables.has('gemm/h200-sxm/bf16.csv')).toBe(true)
    expect(loadSimInputs({model: 'llama-3.1-8b', gpu: 'H200', profile: 'infersim'}).gpu.name).toBe('H200')
  })

  it('a measurement row that names H200 evaluates as one that names H200-SXM', () => {
    const header = 'id,model,gpu,world_size,nodes,tp,fp8_gemm,fp8_kv,deepep,tbo,isl,osl,phase,max_prefill_tokens,decode_batch,metric,actual,source,notes,moe_tp,moe_ep,backend'
    const row = (id: string, gpu: string) => `${id},llama-3.1-8b,${gpu},1,1,1,0,0,0,0,1024,1024,serving,,16,tpot_ms,10,test,,1,1,vllm`
    const parsed = parseMeasurements([header, row('A', 'H200'), row('B', 'H200-SXM')].join('\n'), 'test.csv', process.cwd())
    expect(parsed.problems).toEqual([])
    const rows = parsed.rows
    const out = evaluateRows(rows, new EvalEnvironment({}), getProfile('default'))
    expect(out.map((o) => o.status)).toEqual(['ok', 'ok'])
    expect(out[0].simulated).toBe(out[1].simulated)
  })
})
