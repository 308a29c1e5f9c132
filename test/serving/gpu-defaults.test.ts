import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {engineFilePath, loadEngine} from '../../src/io/engines.js'
import {loadSimInputs} from '../../src/io/inputs.js'
import {gpuDefaultsOn, paramsOn} from '../../src/serving/engine-on-gpu.js'
import {simulateServing} from '../../src/serving/simulate.js'
import {DEFAULT_DEPLOYMENT} from '../../src/sim/deployment.js'
import {runCli} from '../helpers/cli.js'

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, {recursive: true, force: true})))

// vLLM's documented OpenAI-server defaults: 8192 tokens / 1024 sequences on GPUs of 70 GiB or more other
// than the A100, 2048 / 256 elsewhere. SGLang's chunked_prefill_size: 2048 under 35 GiB, 4096 under 60, 8192 under 160, 16384 above.
describe('engine defaults by GPU', () => {
  const vllm = loadEngine('vllm')
  const sglang = loadEngine('sglang')

  it.each([
    ['H100-SXM', 80, 8192, 1024],
    ['H200-SXM', 141, 8192, 1024],
    ['B200-SXM', 180, 8192, 1024],
    ['A100-SXM', 80, 2048, 256],
    ['A100-PCIe-40GB', 40, 2048, 256],
    ['L40S', 44.99, 2048, 256],
  ] as const)('vLLM on %s (%s GiB): budget %i tokens, %i requests', (name, memGiB, budget, seqs) => {
    const p = paramsOn(vllm, {name, memGiB})
    expect([p.max_prefill_tokens, p.max_running_requests]).toEqual([budget, seqs])
  })

  it.each([
    ['RTX-4090', 24, 2048],
    ['L40S', 44.99, 4096],
    ['A100-PCIe-40GB', 40, 4096],
    ['A100-SXM', 80, 8192],
    ['H200-SXM', 141, 8192],
    ['B200-SXM', 180, 16384],
    ['GB200-NVL72', 185.03, 16384],
  ] as const)('SGLang on %s (%s GiB): chunked prefill %i tokens', (name, memGiB, budget) => {
    expect(paramsOn(sglang, {name, memGiB}).max_prefill_tokens).toBe(budget)
  })

  it('TensorRT-LLM picks the same defaults on every GPU; the GPUs the files were fitted on get the files\' values', () => {
    expect(gpuDefaultsOn(loadEngine('trtllm').gpuDefaults, {name: 'L40S', memGiB: 44.99}).sources).toEqual([])
    for (const e of [vllm, sglang]) for (const g of [{name: 'H100-SXM', memGiB: 80}, {name: 'H200-SXM', memGiB: 141}]) expect(gpuDefaultsOn(e.gpuDefaults, g).sources).toEqual([])
  })

  it('SGLang 0.5.1 and earlier run prefill batches apart from decodes; later versions, or none named, mix them', () => {
    const h100 = {name: 'H100-SXM', memGiB: 80}
    for (const v of ['0.5.1.post1', '0.5.1', '0.4.9', '0.5.2rc0']) expect(paramsOn(sglang, h100).mixed_chunk && gpuDefaultsOn(sglang.gpuDefaults, h100, v).values.mixed_chunk).toBe(false)
    for (const v of ['0.5.2', '0.5.6.post2', '0.5.9', 'glm5-hopper', '']) expect(gpuDefaultsOn(sglang.gpuDefaults, h100, v).values.mixed_chunk).toBeUndefined()
    expect(gpuDefaultsOn(sglang.gpuDefaults, h100).values.mixed_chunk).toBeUndefined()
    expect(gpuDefaultsOn(sglang.gpuDefaults, h100, '0.5.1').sources[0]).toMatch(/^SGLang 0\.5\.1 and earlier/)
    for (const e of [vllm, loadEngine('trtllm')]) expect(paramsOn(e, h100).mixed_chunk).toBe(true)
  })

  function serve(gpu: string, opts: {maxPrefillTokens?: number} = {}) {
    const inputs = loadSimInputs({model: 'llama-3.1-8b', gpu, profile: 'default'})
    const d = {...DEFAULT_DEPLOYMENT, worldSize: 1, tp: 1, isl: 128, osl: 128}
    return simulateServing(inputs.model, d, inputs.gpu, inputs.tables, inputs.profile, {concurrency: 300, engine: vllm, ...opts})
  }

  it('a serving prediction runs vLLM on an A100 as vLLM would: at most 256 requests, 2048-token steps', () => {
    const s = serve('A100-SXM')
    expect(s.kvCapacity).toBeGreaterThan(300)
    expect(s.running).toBe(256)
    expect(s.waiting).toBeCloseTo(44, 6)
    expect(s.maxPrefillTokens).toBe(2048)
    expect(s.maxPrefillTokensSource).toBe('engine-gpu')
    expect(s.params.max_running_requests).toBe(256)
    expect(s.gpuDefaults?.values).toEqual({max_prefill_tokens: 2048, max_running_requests: 256})
    expect(s.warnings.map((w) => w.code)).toContain('admission-limited')
    const h100 = serve('H100-SXM')
    expect([h100.running, h100.maxPrefillTokens, h100.maxPrefillTokensSource, h100.gpuDefaults]).toEqual([300, 8192, 'engine', undefined])
  })

  it('--max-prefill-tokens still wins over the GPU default', () => {
    const s = serve('A100-SXM', {maxPrefillTokens: 4096})
    expect([s.maxPrefillTokens, s.maxPrefillTokensSource, s.running]).toEqual([4096, 'flag', 256])
  })

  it('a user engine file without gpu_defaults (written before they existed) keeps the bundled ones; a bad rule names its field', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'infersim-gpu-defaults-'))
    dirs.push(dir)
    const file = JSON.parse(readFileSync(engineFilePath('vllm'), 'utf8'))
    delete file.gpu_defaults
    writeFileSync(path.join(dir, 'vllm.json'), JSON.stringify(file))
    expect(paramsOn(loadEngine('vllm', dir), {name: 'A100-SXM', memGiB: 80}).max_running_requests).toBe(256)
    const bad = mkdtempSync(path.join(os.tmpdir(), 'infersim-gpu-defaults-'))
    dirs.push(bad)
    writeFileSync(path.join(bad, 'vllm.json'), JSON.stringify({...file, gpu_defaults: [{when: {memory_below_gib: 70}, values: {gemm_scale: 2}, source: 'x'}]}))
    expect(() => loadEngine('vllm', bad)).toThrow(/engine file .*vllm\.json: gpu_defaults\/0\/values|gpu_defaults\.0\.values/)
  })

  it('simulate --serving says which defaults the GPU changed', async () => {
    const r = await runCli(['simulate', '--model', 'llama-3.1-8b', '--gpu', 'A100-SXM', '--serving', '--engine', 'vllm', '--concurrency', '16', '--isl', '512', '--osl', '128'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/Step token budget\s+2048 \(engine default on this GPU\)/)
    expect(r.stdout).toMatch(/Engine defaults here\s+max_prefill_tokens 2048, max_running_requests 256 \(vLLM: an A100 budgets 2048 tokens and 256 requests whatever its memory\)/)
  })
})
