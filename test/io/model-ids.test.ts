/** Models named by their HuggingFace id, and measurements files exported by AIConfigurator without their model_configs/ folder. */
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {loadModel, resolveModelFile} from '../../src/io/models.js'
import {bundledNameOfId, hfIdOf} from '../../src/io/model-ids.js'
import {validator} from '../../src/schemas/validate.js'
import {ROOT, runCli} from '../helpers/cli.js'

const tmp = mkdtempSync(path.join(os.tmpdir(), 'infersim-model-ids-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

describe('hfIdOf', () => {
  it('reads the id from an id, an exported config name, or an HF cache path', () => {
    expect(hfIdOf('Qwen/Qwen3-32B')).toBe('Qwen/Qwen3-32B')
    expect(hfIdOf('model_configs/deepseek-ai--DeepSeek-V3_config.json')).toBe('deepseek-ai/DeepSeek-V3')
    expect(hfIdOf('x\\model_configs\\openai--gpt-oss-120b_config.json')).toBe('openai/gpt-oss-120b')
    expect(hfIdOf('/models/meta-llama/Llama-3.1-8B/config.json')).toBe('meta-llama/Llama-3.1-8B')
    expect(hfIdOf('configs/my-model.json')).toBeUndefined()
    expect(hfIdOf('qwen3-32b')).toBeUndefined()
  })
})

describe('data/model-ids.json', () => {
  const data = JSON.parse(readFileSync(path.join(ROOT, 'data', 'model-ids.json'), 'utf8'))
  it('passes its schema', () => {
    const validate = validator('model-ids')
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true)
  })
  it('names only bundled configs, and every bundled model but the hand-edited parity config has an id', () => {
    const bundled = readdirSync(path.join(ROOT, 'hf_configs'))
      .filter((f) => f.endsWith('.json') && !f.endsWith('.hf_quant_config.json'))
      .map((f) => f.slice(0, -5))
    const named = new Set(Object.values(data.ids) as string[])
    for (const name of named) expect(bundled, name).toContain(name)
    expect(bundled.filter((b) => !named.has(b))).toEqual(['deepseek-v3-infersim'])
  })
  it('matches ids whatever their case', () => {
    expect(bundledNameOfId('QWEN/qwen3-32b')).toBe('qwen3-32b')
    expect(bundledNameOfId('Qwen/Qwen3-Unknown')).toBeUndefined()
  })
})

describe('resolving a model', () => {
  it('reads the bundled config for an id: Qwen3-32B has 64 layers of hidden size 5120 (its published config)', () => {
    const m = loadModel('Qwen/Qwen3-32B', {publishedConfigs: true, baseDir: tmp})
    expect(m.name).toBe('qwen3-32b')
    expect(m.layers).toBe(64)
    expect(m.hidden).toBe(5120)
  })
  it('reads the bundled config for an exported path that is not there, with the FP8 checkpoint its quantization config beside, and says so', () => {
    expect(resolveModelFile('model_configs/nvidia--Llama-3.1-70B-Instruct-FP8_config.json', tmp)).toEqual({
      name: 'llama-3.1-70b-fp8',
      file: path.join(ROOT, 'hf_configs', 'llama-3.1-70b-fp8.json'),
      missing: path.join(tmp, 'model_configs', 'nvidia--Llama-3.1-70B-Instruct-FP8_config.json'),
    })
    const m = loadModel('model_configs/nvidia--Llama-3.1-70B-Instruct-FP8_config.json', {publishedConfigs: true, baseDir: tmp})
    expect(m.shippedQuant).toBe('fp8')
    expect(m.notes.join(' ')).toMatch(/nvidia--Llama-3\.1-70B-Instruct-FP8_config\.json does not exist: read the bundled llama-3\.1-70b-fp8/)
    // an id given as such is no stand-in: no note
    expect(loadModel('Qwen/Qwen3-32B', {publishedConfigs: true, baseDir: tmp}).notes).toEqual([])
  })
  it('prefers a file that is there', () => {
    mkdirSync(path.join(tmp, 'model_configs'), {recursive: true})
    const own = JSON.parse(readFileSync(path.join(ROOT, 'hf_configs', 'qwen3-32b.json'), 'utf8'))
    writeFileSync(path.join(tmp, 'model_configs', 'Qwen--Qwen3-32B_config.json'), JSON.stringify({...own, num_hidden_layers: 8}))
    const m = loadModel('model_configs/Qwen--Qwen3-32B_config.json', {publishedConfigs: true, baseDir: tmp})
    expect(m.layers).toBe(8)
  })
  it('names the missing file and the unknown id', () => {
    expect(() => resolveModelFile('model_configs/acme--Giant-1T_config.json', tmp)).toThrow(
      /model_configs\/acme--Giant-1T_config\.json does not exist, and "acme\/Giant-1T" is not the HuggingFace id of a bundled model/,
    )
  })
})

it('calibrate evaluates an exported serving file on another GPU, far from its model_configs/ folder', async () => {
  const head = 'id,model,gpu,world_size,nodes,tp,fp8_gemm,fp8_kv,deepep,tbo,isl,osl,phase,max_prefill_tokens,decode_batch,metric,actual,source,notes,moe_tp,moe_ep,backend,backend_version'
  const run = (metric: string, actual: number) =>
    `q32_b200_trtllm_1024x512_c32_tp2-${metric},model_configs/Qwen--Qwen3-32B_config.json,b200_sxm,2,1,2,1,0,0,0,1024,512,serving,,32,${metric},${actual},test,,1,1,trtllm,1.0.0`
  const file = path.join(tmp, 'exported', 'serving-b200.csv')
  mkdirSync(path.dirname(file), {recursive: true})
  writeFileSync(file, [head, run('tpot_ms', 10), run('ttft_ms', 200)].join('\n') + '\n')
  const home = path.join(tmp, 'home')
  process.env.INFERSIM_HOME = home
  try {
    const r = await runCli(['calibrate', '--measurements', file, '--profile', 'default', '--json'])
    expect(r.exitCode, r.stderr).toBe(0)
    const rows = JSON.parse(r.stdout).rows
    expect(rows.map((x: {status: string}) => x.status)).toEqual(['ok', 'ok'])
  } finally {
    delete process.env.INFERSIM_HOME
  }
})
