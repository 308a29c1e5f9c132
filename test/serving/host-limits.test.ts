/**
 * The host's limits (docs/serving.md "Host limits"): a step no shorter than
 * the host work the engine overlaps with it, and an API server that streams
 * at most 1e6 / frontend_us_per_output_token tokens a second per replica.
 * The figures are worked out from the engine files' values, not read back
 * from the model.
 */
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {clearEngineCache, engineFilePath, loadEngine} from '../../src/io/engines.js'
import {runCli, runJson} from '../helpers/cli.js'

// SGLang 0.5.6's measured H200 runs at 512 clients: Llama-3.1-8B on 8 GPUs, 1,000 tokens in and out.
const RUN = ['simulate', '--model', 'llama-3.1-8b', '--tp', '8', '--world-size', '8', '--isl', '1000', '--osl', '1000', '--serving', '--concurrency', '512', '--engine', 'sglang']

describe("the host's limits", () => {
  it('are set per engine from the measured runs (docs/serving.md "Host limits")', () => {
    const values = Object.fromEntries(['sglang', 'trtllm', 'vllm'].map((n) => [n, [loadEngine(n).params.host_us_per_request, loadEngine(n).params.frontend_us_per_output_token]]))
    expect(values).toEqual({sglang: [45, 55], trtllm: [0, 0], vllm: [0, 0]})
    // TensorRT-LLM's server limit was measured on 1.0.0rc3: its rule by version, and no other version's
    const rules = loadEngine('trtllm').gpuDefaults ?? []
    expect(rules.filter((r) => r.values.frontend_us_per_output_token !== undefined)).toMatchObject([{when: {engine_version_below: '1.1'}, values: {frontend_us_per_output_token: 100}}])
  })

  it("TensorRT-LLM before 1.1 streams at most 10,000 tokens/s a replica; later versions and no version are not held to it", async () => {
    // Llama-3.1-8B on one B200, 256 clients of 1,000 tokens in and out: the engine alone would stream more than 10,000 tokens/s.
    const trt = ['simulate', '--model', 'llama-3.1-8b', '--gpu', 'B200-SXM', '--isl', '1000', '--osl', '1000', '--serving', '--concurrency', '256', '--engine', 'trtllm']
    const old = (await runJson([...trt, '--engine-version', '1.0.0rc3'])).json.serving
    // 1e6 / 100 us = 10,000 tokens/s: 10 requests/s of 1,000 tokens; a client's round is 256 x 1,000 x 100 us = 25.6 s
    expect(old.requestsPerSecond).toBeCloseTo(10, 6)
    expect((old.ttftMs + 999 * old.tpotMs) / 1000).toBeCloseTo(25.6, 3)
    expect(old.ttftParts.frontendMs).toBeGreaterThan(1000)
    for (const version of [['--engine-version', '1.2.0rc6'], []]) {
      const s = (await runJson([...trt, ...version])).json.serving
      expect(s.ttftParts.frontendMs).toBe(0)
      expect(s.requestsPerSecond).toBeGreaterThan(10)
    }
  })

  it('floor a step at the host work of its requests, and cap a replica at what its API server streams', async () => {
    const s = (await runJson([...RUN, '--gpu', 'H200-SXM'])).json.serving
    // a decode step is at least 45 us for each request decoding in it: nearly all 512, 23.04 ms with all of them;
    // TPOT adds the steps that carry prefill, whose kernels are longer than that
    expect(s.meanDecodeBatch).toBeGreaterThan(500)
    expect(s.decodeStepMs).toBeGreaterThanOrEqual(0.045 * s.meanDecodeBatch - 1e-9)
    expect(s.decodeStepMs).toBeLessThanOrEqual(23.04)
    expect(s.decodeStepMs).toBeCloseTo(s.decodeHostMs, 9)
    expect(s.tpotMs).toBeGreaterThanOrEqual(s.decodeStepMs)
    // the server streams 1e6 / 55 = 18,182 tokens/s: 2,273 per GPU of the 8, 18.18 requests/s of 1,000 tokens
    expect(s.requestsPerSecond).toBeCloseTo(1e6 / 55 / 1000, 6)
    expect(s.outputTokensPerGpuPerSecond).toBeCloseTo(1e6 / 55 / 8, 3)
    // the rest of a client's 28.16 s round (512 x 1,000 x 55 us) waits before its first token
    expect(s.ttftParts.frontendMs).toBeGreaterThan(1000)
    expect((s.ttftMs + 999 * s.tpotMs) / 1000).toBeCloseTo((512 * 1000 * 55) / 1e6, 3)
  })

  it('do not move with the GPU: a B200 serves this no faster than an H200', async () => {
    const h200 = (await runJson([...RUN, '--gpu', 'H200-SXM'])).json.serving
    const b200 = (await runJson([...RUN, '--gpu', 'B200-SXM'])).json.serving
    expect(b200.outputTokensPerGpuPerSecond).toBeCloseTo(h200.outputTokensPerGpuPerSecond, 3)
    // both decode steps wait for the host: the same 45 us x the requests decoding
    expect(b200.decodeStepMs).toBeGreaterThanOrEqual(0.045 * b200.meanDecodeBatch - 1e-9)
    expect(b200.decodeStepMs / h200.decodeStepMs).toBeGreaterThan(0.98)
  })

  it('are what an engine file says, and a file written before them takes the bundled values', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'infersim-host-'))
    try {
      const f = JSON.parse(readFileSync(engineFilePath('sglang'), 'utf8'))
      delete f.parameters.host_us_per_request
      delete f.parameters.frontend_us_per_output_token
      writeFileSync(path.join(dir, 'sglang.json'), JSON.stringify(f))
      clearEngineCache()
      expect(loadEngine('sglang', dir).params.host_us_per_request).toBe(45)
      expect(loadEngine('sglang', dir).params.frontend_us_per_output_token).toBe(55)
      f.parameters.host_us_per_request = {value: 0, description: 'none here', source: 'a test'}
      f.parameters.frontend_us_per_output_token = {value: 0, description: 'none here', source: 'a test'}
      writeFileSync(path.join(dir, 'sglang.json'), JSON.stringify(f))
      clearEngineCache()
      const s = (await runJson([...RUN, '--gpu', 'H200-SXM', '--engine-dir', dir])).json.serving
      expect(s.ttftParts.frontendMs).toBe(0)
      expect(s.requestsPerSecond).toBeGreaterThan(1e6 / 55 / 1000)
    } finally {
      clearEngineCache()
    }
  })

  it('says in the text report when clients wait for the API server, and why a forward waits for the host', async () => {
    const r = await runCli([...RUN, '--gpu', 'H200-SXM', '--no-breakdown'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/API server behind \(ms\)\s+\d+ \(it streams at most 18,182 tokens\/s\)/)
    const d = (await runJson(['simulate', '--model', 'llama-3.1-8b', '--gpu', 'H200-SXM', '--tp', '8', '--world-size', '8', '--decode-batch', '512', '--decode-only', '--engine', 'sglang'])).json.decode
    expect(d.latencyMs).toBeCloseTo(23.04, 6)
    expect(d.overheadSource).toMatch(/the host's work for 512 requests \(23 ms\) is longer than the forward, which waits for it/)
  })

  it('warn where the host sets the pace, and say what would help', async () => {
    const w = (await runJson([...RUN, '--gpu', 'H200-SXM'])).json.serving.warnings.map((x: {code: string; message: string}) => x)
    const server = w.find((x: {code: string}) => x.code === 'api-server-bound')
    expect(server?.message).toMatch(/^one replica's API server streams at most 18,182 output tokens\/s \(frontend_us_per_output_token 55 us\): clients wait \d+ ms .*more replicas \(a smaller TP each\) will$/)
    const host = w.find((x: {code: string}) => x.code === 'host-bound')
    expect(host?.message).toMatch(/^a decode step waits for the engine's host work \(45 us for each of its \d+ requests, 2\d\.\d ms\), longer than its kernels/)
    // 16 clients: 16 x 45 us = 0.7 ms of host work under the kernels, and a server far from its limit
    const calm = (await runJson([...RUN.slice(0, -4), '--concurrency', '16', '--engine', 'sglang', '--gpu', 'H200-SXM'])).json.serving.warnings.map((x: {code: string}) => x.code)
    expect(calm).not.toContain('api-server-bound')
    expect(calm).not.toContain('host-bound')
  })
})
