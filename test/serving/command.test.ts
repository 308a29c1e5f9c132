import {describe, expect, it} from 'vitest'
import {runCli, runJson} from '../helpers/cli.js'

const BASE = ['simulate', '--model', 'qwen3-32b', '--gpu', 'H100-SXM', '--world-size', '4', '--tp', '4', '--isl', '1024', '--osl', '512']

describe('infersim simulate --serving', () => {
  it('adds a serving field to --json, with the engine default budget', async () => {
    const {json, exitCode} = await runJson([...BASE, '--serving', '--concurrency', '64', '--engine', 'vllm'])
    expect(exitCode).toBe(0)
    const s = json.serving
    expect(s.engine).toBe('vllm')
    expect(s.concurrency).toBe(64)
    expect(s.maxPrefillTokensSource).toBe('engine')
    expect(s.ttftMs).toBeGreaterThan(0)
    expect(s.tpotMs).toBeGreaterThan(0)
    // closed loop: 64 requests per cycle of TTFT + (osl - 1) TPOT
    expect(s.requestsPerSecond * (s.ttftMs + 511 * s.tpotMs)).toBeCloseTo(64_000, -1)
    expect(s.outputTokensPerGpuPerSecond).toBeCloseTo((s.requestsPerSecond * 512) / 4, 6)
    expect(json.prefill).toBeDefined()
  })

  it('takes --max-prefill-tokens as the step budget when given, and more concurrency costs TPOT', async () => {
    const a = (await runJson([...BASE, '--serving', '--concurrency', '8', '--max-prefill-tokens', '2048'])).json.serving
    const b = (await runJson([...BASE, '--serving', '--concurrency', '128', '--max-prefill-tokens', '2048'])).json.serving
    expect(a.maxPrefillTokens).toBe(2048)
    expect(a.maxPrefillTokensSource).toBe('flag')
    expect(b.tpotMs).toBeGreaterThan(a.tpotMs)
    expect(b.requestsPerSecond).toBeGreaterThan(a.requestsPerSecond)
  })

  it('prints a serving section in the text report', async () => {
    const r = await runCli([...BASE, '--serving', '--concurrency', '32', '--engine', 'trtllm', '--no-breakdown'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/Serving \(trtllm, 32 requests per replica\)/)
    expect(r.stdout).toMatch(/Mean TTFT \(ms\)\s+\d/)
    expect(r.stdout).toMatch(/Mean TPOT \(ms\)\s+\d/)
    expect(r.stdout).toMatch(/Output tokens\/GPU\/s\s+\d/)
  })

  it('runs MoE expert parallelism inside the replica', async () => {
    const {json} = await runJson(['simulate', '--model', 'qwen3-235b-a22b', '--gpu', 'H100-SXM', '--world-size', '4', '--tp', '4', '--fp8-gemm', '--moe-ep', '4', '--serving', '--concurrency', '16', '--engine', 'trtllm', '--isl', '1024', '--osl', '256'])
    expect(json.serving.moeEp).toBe(4)
    expect(json.serving.moeTp).toBe(1)
    expect(json.serving.tpotMs).toBeGreaterThan(0)
  })

  it('rejects a layout it cannot run with one message and exit code 2', async () => {
    const r = await runCli([...BASE, '--serving', '--moe-ep', '2'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/--moe-ep 2: qwen3-32b has no MoE layers/)
    const c = await runCli([...BASE, '--serving', '--concurrency', '0'])
    expect(c.exitCode).toBe(2)
    expect(c.stderr).toMatch(/concurrency must be a positive number, got 0/)
    const e = await runCli([...BASE, '--serving', '--engine', 'tgi'])
    expect(e.exitCode).toBe(2)
  })
})
