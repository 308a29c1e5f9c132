/** Flags that would be ignored: a usage error where the figures would mislead, else a warning; each message says why. */
import {describe, expect, it} from 'vitest'
import {runCli, runJson} from '../helpers/cli.js'

describe('flags that do not apply', () => {
  it('--concurrency without --serving is a usage error (only the serving model has concurrent requests)', async () => {
    const r = await runCli(['simulate', '--concurrency', '8', '--json'])
    expect(r.exitCode).toBe(2)
    expect(JSON.parse(r.stdout).error.message).toMatch(/--concurrency applies to --serving only/)
  })

  it('--moe-ep and --engine apply without --serving: the MoE layout and the engine per-forward overheads', async () => {
    const base = ['simulate', '--model', 'qwen3-30b-a3b', '--gpu', 'H100-SXM', '--world-size', '4', '--tp', '4', '--json']
    const tpMoe = await runJson(base)
    const epMoe = await runJson([...base, '--moe-ep', '4'])
    expect(epMoe.exitCode).toBe(0)
    expect(epMoe.json.decode.latencyMs).not.toBe(tpMoe.json.decode.latencyMs)
    const trt = await runJson([...base, '--engine', 'trtllm'])
    expect(trt.exitCode).toBe(0)
    // The engines' decode costs sit at the same priors; a prefill step's extra cost is each engine's own.
    expect(trt.json.prefill.overheadSource).toMatch(/^engine trtllm: /)
    expect(tpMoe.json.prefill.overheadSource).toMatch(/^engine sglang: /)
    expect(trt.json.prefill.latencyMs).not.toBe(tpMoe.json.prefill.latencyMs)
  })

  it('--deepep on a dense model is a usage error naming the model', async () => {
    const r = await runCli(['simulate', '--model', 'qwen3-8b', '--world-size', '2', '--deepep'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/--deepep: qwen3-8b is read as dense \(no MoE layers\)/)
  })

  it('--tbo on a dense model is a usage error naming the model', async () => {
    const r = await runCli(['simulate', '--model', 'llama-3.1-8b', '--gpu', 'H100-SXM', '--world-size', '2', '--tp', '2', '--tbo'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/--tbo: llama-3.1-8b is read as dense \(no MoE layers\); two-batch overlap hides MoE dispatch and combine/)
  })

  it('under --profile infersim (the reference, which accepts them) DeepEP and TBO on a dense model are warnings', async () => {
    const {json, exitCode} = await runJson(['simulate', '--profile', 'infersim', '--model', 'qwen3-8b', '--world-size', '2', '--deepep', '--tbo'])
    expect(exitCode).toBe(0)
    expect(json.warnings.map((w: {code: string}) => w.code)).toEqual(expect.arrayContaining(['deepep-dense', 'tbo-dense']))
  })

  it('--deepep and --tbo on a MoE model still simulate', async () => {
    const {json, exitCode} = await runJson(['simulate', '--model', 'qwen3-30b-a3b', '--world-size', '8', '--deepep', '--tbo', '--decode-only', '--decode-batch', '64'])
    expect(exitCode).toBe(0)
    expect(json.decode.latencyMs).toBeGreaterThan(0)
  })

  it('--serving --prefill-only: a warning that the serving figures cover both phases', async () => {
    const {json, exitCode} = await runJson(['simulate', '--model', 'qwen3-8b', '--gpu', 'H100-SXM', '--serving', '--prefill-only', '--isl', '1024', '--osl', '128'])
    expect(exitCode).toBe(0)
    expect(json.serving.tpotMs).toBeGreaterThan(0)
    const w = json.warnings.find((x: {code: string}) => x.code === 'serving-mode')
    expect(w.message).toMatch(/--prefill-only restricts the report above; --serving always models prefill and decode together/)
  })

  it('sweep --tbo on for a dense model simulates no TBO layouts rather than failing', async () => {
    const {json, exitCode} = await runJson(['sweep', '--model', 'qwen3-8b', '--gpu', 'H20', '--max-gpus', '2', '--tbo', 'on', '--workers', '0', '--no-refine', '--decode-batches', '8', '--prefill-tokens', '4096'])
    expect(exitCode).toBe(0)
    expect(json.top.length).toBeGreaterThan(0)
    expect(json.top.every((t: {layout: {tbo: boolean}}) => !t.layout.tbo)).toBe(true)
  })
})
