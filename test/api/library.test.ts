/**
 * The library (src/index.ts): each function takes its command's flags in
 * camelCase and returns what the command prints with --json; models, GPUs
 * and tables may be passed as objects; bad options are usage errors naming
 * the option; calibrate writes no file unless one is named.
 */
import {existsSync, mkdtempSync, readdirSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {calibrate, InfersimError, listGpus, listModels, loadModel, loadTables, serve, simulate, sweep} from '../../src/index.js'
import {ROOT, runJson} from '../helpers/cli.js'
import {HEADER, qwenDecodeRow, writeCsv} from '../calibrate/helpers.js'

const usageError = async (p: Promise<unknown>): Promise<InfersimError> => {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(InfersimError)
  expect((error as InfersimError).kind).toBe('usage')
  return error as InfersimError
}

/** A sweep result without its run time, which differs run to run. */
const withoutTiming = ({timing, ...rest}: {timing: unknown}) => rest

describe('library', () => {
  it('simulate returns what `simulate --json` prints', async () => {
    const lib = await simulate({model: 'llama-3.1-8b', gpu: 'H100-SXM', worldSize: 1, tp: 1, isl: 1024, osl: 1024, decodeBatch: 32})
    const cli = await runJson(['simulate', '--model', 'llama-3.1-8b', '--gpu', 'H100-SXM', '--isl', '1024', '--osl', '1024', '--decode-batch', '32'])
    expect(JSON.parse(JSON.stringify(lib))).toEqual(cli.json)
  })

  it('InferSim flag names work as their camelCase options; the defaults are the flags\' defaults', async () => {
    const lib = await simulate({profile: 'infersim', model: 'qwen3-30b-a3b', gpu: 'H20', worldSize: 4, decodeBatch: 100, decodeOnly: true})
    const cli = await runJson(['simulate', '--profile', 'infersim', '--config-path', 'hf_configs/qwen3-30b-a3b.json', '--device-type', 'H20', '--world-size', '4', '--decode-bs', '100', '--decode-only'])
    expect(lib.decode).toEqual(cli.json.decode)
    expect(lib.deployment).toEqual(cli.json.deployment)
  })

  it('serve returns `simulate --serving --json`, with the engine\'s own step budget unless maxPrefillTokens is given', async () => {
    const opts = {model: 'qwen3-8b', gpu: 'H100-SXM', concurrency: 32, engine: 'vllm'} as const
    const lib = await serve(opts)
    const cli = await runJson(['simulate', '--model', 'qwen3-8b', '--gpu', 'H100-SXM', '--serving', '--concurrency', '32', '--engine', 'vllm'])
    expect(JSON.parse(JSON.stringify(lib))).toEqual(cli.json)
    expect(lib.serving.maxPrefillTokensSource).toBe('engine')
    const budget = await serve({...opts, maxPrefillTokens: 2048})
    expect(budget.serving.maxPrefillTokens).toBe(2048)
    expect(budget.serving.maxPrefillTokensSource).toBe('flag')
  })

  it("serve's report decodes at the concurrency unless decodeBatch is given (half of it per micro-batch with TBO)", async () => {
    const opts = {model: 'qwen3-8b', gpu: 'L40S', isl: 1024, osl: 1024, concurrency: 32, engine: 'vllm'} as const
    const lib = await serve(opts)
    expect(lib.deployment.decodeBatch).toBe(32)
    // ceil(2560 tok/GPU/s x 50 ms / 1000) = 128 requests would not fit the L40S's KV cache at 2,048 tokens: that warning is gone
    expect(lib.warnings.map((w) => w.code)).not.toContain('kv-cache')
    expect((await serve({...opts, decodeBatch: 8})).deployment.decodeBatch).toBe(8)
    expect((await simulate({model: 'qwen3-8b', gpu: 'L40S', isl: 1024, osl: 1024})).deployment.decodeBatch).toBe(128)
    expect((await serve({...opts, model: 'qwen3-30b-a3b', worldSize: 2, tbo: true, concurrency: 33})).deployment.decodeBatch).toBe(17)
  })

  it('sweep returns `sweep --json` (run time aside); lists may be arrays', async () => {
    const lib = await sweep({model: 'qwen3-8b', gpu: ['H20'], maxGpus: 2, isl: 2048, osl: 512, decodeBatches: [8, 16, 32], prefillTokens: [2048, 4096], tpotMax: 50, top: 3, workers: 0})
    const cli = await runJson(['sweep', '--model', 'qwen3-8b', '--gpu', 'H20', '--max-gpus', '2', '--isl', '2048', '--osl', '512', '--decode-batches', '8,16,32', '--prefill-tokens', '2048,4096', '--tpot-max', '50', '--top', '3', '--workers', '0', '--no-progress'])
    expect(withoutTiming(JSON.parse(JSON.stringify(lib)))).toEqual(withoutTiming(cli.json))
    expect(lib.top.length).toBe(3)
  })

  it('calibrate returns `calibrate --json` and writes no file unless asked; fitFile writes the fit', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'infersim-lib-'))
    const file = writeCsv(dir, 'm.csv', [HEADER, qwenDecodeRow(), qwenDecodeRow({id: 'Q8-B32', decode_batch: 32, actual: 1900})])
    const lib = await calibrate({measurements: [file], profile: 'default', fit: true})
    expect(lib.fit?.file).toBeUndefined()
    expect(lib.fit?.fits).toHaveLength(1)
    expect(readdirSync(dir)).toEqual(['m.csv'])
    const cli = await runJson(['calibrate', '--measurements', file, '--profile', 'default', '--fit', '--fit-file', path.join(dir, 'fit.json')])
    expect(lib.rows).toEqual(cli.json.rows)
    expect(lib.fit!.fits).toEqual(cli.json.fit.fits)
    const written = await calibrate({measurements: [file], profile: 'default', fit: true, fitFile: path.join(dir, 'lib-fit.json')})
    expect(written.fit?.file).toBeDefined()
    expect(JSON.parse(readFileSync(path.join(dir, 'lib-fit.json'), 'utf8')).fits).toEqual(cli.json.fit.fits)
  })

  it('listModels, listGpus and loadModel mirror `models`, `gpus` and the config reader', async () => {
    expect(await listModels()).toEqual((await runJson(['models'])).json.models)
    expect(await listGpus()).toEqual((await runJson(['gpus'])).json.gpus)
    // Where each GPU's kernel figures come from: its own tables, another entry's, or a table donor's.
    const tables = Object.fromEntries((await listGpus()).map((g) => [g.name, g.tables]))
    expect(tables).toMatchObject({'H100-SXM': 'measured', H200: 'as H200-SXM', B300: 'from B200-SXM', 'H100-PCIe': 'from H100-SXM'})
    const dsv3 = await loadModel('deepseek-v3')
    expect(dsv3.ffn.experts).toBe(256)
    expect(dsv3.ffn.denseLayers).toBe(3)
    // The compat profile reads only num_routed_experts, as InferSim does: the published DeepSeek-V3 config reads as dense.
    expect((await loadModel('deepseek-v3', {profile: 'infersim'})).ffn.isMoe).toBe(false)
  })

  it('takes a config object, a GPU spec object and a loaded table set', async () => {
    const config = JSON.parse(readFileSync(path.join(ROOT, 'hf_configs', 'qwen3-8b.json'), 'utf8'))
    const byName = await simulate({model: 'qwen3-8b', gpu: 'H20'})
    const byObject = await simulate({model: config, gpu: (await listGpus()).find((g) => g.name === 'H20')!, benchData: await loadTables(undefined, {gpu: 'H20'})})
    expect(byObject.prefill).toEqual(byName.prefill)
    expect(byObject.decode).toEqual(byName.decode)
    // A ModelSpec from loadModel goes back in as it is.
    expect((await simulate({model: await loadModel('qwen3-8b'), gpu: 'H20'})).decode).toEqual(byName.decode)
    // A GPU spec is checked against the GPU file's schema.
    const bad = await simulate({gpu: {...(await listGpus())[0], memGiB: -1}}).catch((e: InfersimError) => e)
    expect(bad).toBeInstanceOf(InfersimError)
    expect((bad as InfersimError).message).toMatch(/memGiB/)
  })

  it('an unknown option is a usage error that suggests the known one', async () => {
    const e = await usageError(simulate({wordSize: 2} as never))
    expect(e.message).toMatch(/unknown option "wordSize" \(did you mean worldSize\?\)/)
    expect((await usageError(sweep({gpus: 'H20'} as never))).message).toMatch(/did you mean gpu\?/)
  })

  it('a value of the wrong type or outside its choices names the option', async () => {
    expect((await usageError(simulate({worldSize: 1.5}))).message).toBe('option worldSize expects a whole number, got 1.5')
    expect((await usageError(simulate({fp8Gemm: 'yes' as never}))).message).toBe('option fp8Gemm expects true or false, got "yes"')
    expect((await usageError(simulate({engine: 'tgi' as never}))).message).toBe('option engine expects one of trtllm, vllm, sglang, got "tgi"')
    expect((await usageError(sweep({decodeBatches: [8, 1.5]}))).message).toBe('option decodeBatches expects whole numbers, got 1.5')
    expect((await usageError(simulate({prefillOnly: true, decodeOnly: true}))).message).toMatch(/prefillOnly and decodeOnly cannot both be set/)
  })

  it('checks deployments as the CLI does, with the same message', async () => {
    const e = await usageError(simulate({worldSize: 6, tp: 4}))
    const cli = await runJson(['simulate', '--world-size', '6', '--tp', '4'])
    expect(e.message).toBe(cli.json.error.message)
    expect(cli.exitCode).toBe(2)
  })

  it("loadTables reads only the given GPUs' tables (and every GPU's GDN tables, to borrow from), each when first looked up", async () => {
    const tables = await loadTables(undefined, {gpu: 'H800'})
    expect(tables.paths().length).toBeGreaterThan(0)
    expect(tables.paths().every((p) => p.split('/').includes('h800') || p.startsWith('gdn/'))).toBe(true)
    expect(tables.paths().filter((p) => !p.startsWith('gdn/')).length).toBeGreaterThan(0)
    expect(tables.paths().some((p) => p.startsWith('gdn/prefill/h100-sxm/'))).toBe(true)
    expect(existsSync(path.join(tables.root, tables.paths()[0]))).toBe(true)
  })
})
