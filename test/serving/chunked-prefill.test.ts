/**
 * `--[no-]chunked-prefill`: TensorRT-LLM (chunked_prefill false in its engine
 * file) takes whole prompts a step, as many as the budget holds; a prompt
 * longer than the budget is refused by the engine, so the prediction warns.
 */
import {describe, expect, it} from 'vitest'
import {runCli, runJson} from '../helpers/cli.js'

const base = ['simulate', '--model', 'qwen3-32b', '--gpu', 'H100-SXM', '--tp', '4', '--world-size', '4', '--serving', '--concurrency', '16', '--osl', '512']
const codes = (json: {serving: {warnings: {code: string}[]}}) => json.serving.warnings.map((w) => w.code)

describe('chunked prefill', () => {
  it('TensorRT-LLM by default: a prompt of 16,384 tokens does not fit its 8,192-token step, and the prediction says so', async () => {
    const {json, exitCode} = await runJson([...base, '--engine', 'trtllm', '--isl', '16384'])
    expect(exitCode).toBe(0)
    expect(json.serving.params.chunked_prefill).toBe(false)
    expect(codes(json)).toContain('prompt-over-budget')
    // 16,384 + 15 decoding requests beside it.
    expect(json.serving.warnings.find((w: {code: string}) => w.code === 'prompt-over-budget').message).toMatch(/--max-prefill-tokens 16399 or more/)
    const chunked = await runJson([...base, '--engine', 'trtllm', '--isl', '16384', '--chunked-prefill'])
    expect(chunked.json.serving.params.chunked_prefill).toBe(true)
    expect(codes(chunked.json)).not.toContain('prompt-over-budget')
  })

  it('the text report says how many whole prompts a step takes: floor(8192 / 3000) = 2', async () => {
    const r = await runCli([...base, '--engine', 'vllm', '--isl', '3000', '--no-chunked-prefill'])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/whole prompts only, 2 a step at most \(no chunked prefill\)/)
    const chunking = await runCli([...base, '--engine', 'vllm', '--isl', '3000'])
    expect(chunking.stdout).not.toMatch(/whole prompts only/)
  })
})
