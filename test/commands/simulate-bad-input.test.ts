/** Every bad input of the simulate issue: one clear message, the right exit code, no stack trace. */
import {cpSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT, runBin, runCli, runJson} from '../helpers/cli.js'

const tmp = () => mkdtempSync(path.join(tmpdir(), 'infersim-test-'))

function writeConfig(dir: string, edit: (cfg: Record<string, unknown>) => void): string {
  const cfg = JSON.parse(readFileSync(path.join(ROOT, 'hf_configs', 'qwen3-8b.json'), 'utf8'))
  edit(cfg)
  const file = path.join(dir, 'config.json')
  writeFileSync(file, JSON.stringify(cfg))
  return file
}

function expectCleanError(r: {stderr: string; stdout: string}, pattern: RegExp): void {
  expect(r.stderr).toMatch(pattern)
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/)
}

describe('simulate: bad input', () => {
  it('a missing config file names the file (exit 1)', async () => {
    const r = await runCli(['simulate', '--model', './no/such/config.json'])
    expect(r.exitCode).toBe(1)
    expectCleanError(r, /no\/such\/config\.json does not exist/)
  })

  it('a config that is not valid JSON names the file (exit 1)', async () => {
    const dir = tmp()
    const file = path.join(dir, 'config.json')
    writeFileSync(file, '{"num_hidden_layers": 4,')
    const r = await runCli(['simulate', '--model', file])
    expect(r.exitCode).toBe(1)
    expectCleanError(r, /config\.json is not valid JSON/)
  })

  it('a config that is a directory is unreadable (exit 1)', async () => {
    const dir = tmp()
    mkdirSync(path.join(dir, 'x.json'))
    const r = await runCli(['simulate', '--model', path.join(dir, 'x.json')])
    expect(r.exitCode).toBe(1)
    expectCleanError(r, /is a directory/)
  })

  it('a config without a needed field names the field', async () => {
    const file = writeConfig(tmp(), (c) => delete c.hidden_size)
    const r = await runCli(['simulate', '--model', file])
    expect(r.exitCode).toBe(1)
    expectCleanError(r, /needs field "hidden_size"/)
  })

  it('an unknown GPU lists the known ones (exit 2)', async () => {
    const r = await runCli(['simulate', '--gpu', 'RTX9090'])
    expect(r.exitCode).toBe(2)
    expectCleanError(r, /unknown GPU "RTX9090"; known GPUs: H20, H800, H200, GB200/)
  })

  it('tp not dividing the world size (exit 2)', async () => {
    const r = await runCli(['simulate', '--world-size', '6', '--tp', '4'])
    expect(r.exitCode).toBe(2)
    expectCleanError(r, /tp 4 does not divide the world size 6/)
  })

  it('attention heads not divisible by tp (exit 2)', async () => {
    const r = await runCli(['simulate', '--model', 'qwen3-8b', '--world-size', '3', '--tp', '3'])
    expect(r.exitCode).toBe(2)
    expectCleanError(r, /attention heads \(32\) are not divisible by tp 3; give a tp that divides them \(1, 2\)/)
  })

  it('a MoE model over more GPUs than its heads divide by is told how to ask for data-parallel attention (exit 2)', async () => {
    const r = await runCli(['simulate', '--model', 'deepseek-r1', '--gpu', 'GB200-NVL72', '--world-size', '72', '--tp', '72'])
    expect(r.exitCode).toBe(2)
    expectCleanError(r, /attention heads \(128\) are not divisible by tp 72; .* give --tp 1 --world-size 72 --moe-ep 72/)
  })

  it('KV heads neither divisible by tp nor fewer than it (exit 2)', async () => {
    const file = writeConfig(tmp(), (c) => {
      c.num_attention_heads = 24
      c.num_key_value_heads = 12
    })
    const r = await runCli(['simulate', '--model', file, '--world-size', '8', '--tp', '8'])
    expect(r.exitCode).toBe(2)
    expectCleanError(r, /KV heads \(12\) are neither divisible by tp 8 nor fewer than it/)
  })

  it('fewer KV heads than tp is fine: each GPU keeps a replica', async () => {
    const {json, exitCode} = await runJson(['simulate', '--model', 'qwen3-8b', '--world-size', '16', '--tp', '16', '--decode-only'])
    expect(exitCode).toBe(0)
    expect(json.decode.latencyMs).toBeGreaterThan(0)
  })

  it('routed experts not divisible by the expert-parallel size is a warning with the per-GPU figure', async () => {
    const {json, exitCode} = await runJson(['simulate', '--model', 'deepseek-v3', '--gpu', 'H800', '--world-size', '72', '--nodes', '9', '--decode-only', '--decode-batch', '32'])
    expect(exitCode).toBe(0)
    const w = json.warnings.find((x: {code: string}) => x.code === 'experts-not-divisible')
    expect(w.message).toContain('256 routed experts are not divisible by the expert-parallel size 72')
    expect(w.message).toContain('3.56 experts per GPU')
  })

  it('world size not divisible by nodes (exit 2)', async () => {
    const r = await runCli(['simulate', '--world-size', '8', '--nodes', '3'])
    expect(r.exitCode).toBe(2)
    expectCleanError(r, /world size 8 is not divisible by nodes 3/)
  })

  for (const [flag, value] of [
    ['--isl', '0'],
    ['--osl', '-5'],
    ['--decode-batch', '0'],
    ['--max-prefill-tokens', '-1'],
    ['--world-size', '0'],
  ]) {
    it(`${flag} ${value} is refused (exit 2)`, async () => {
      const r = await runCli(['simulate', flag, value])
      expect(r.exitCode).toBe(2)
      expectCleanError(r, /must be a positive integer/)
    })
  }

  it('a non-numeric flag value is a usage error', async () => {
    const r = await runCli(['simulate', '--isl', 'lots'])
    expect(r.exitCode).toBe(2)
    expectCleanError(r, /--isl expects a whole number, got "lots"/)
  })

  it('a bench table missing columns names file and line', async () => {
    const dir = tmp()
    cpSync(path.join(ROOT, 'bench_data'), dir, {recursive: true})
    writeFileSync(path.join(dir, 'gemm', 'h20', 'data.csv'), 'm,k,n,latency_us,mfu\n16,2048,6144,10.6\n')
    const r = await runCli(['simulate', '--bench-data', dir])
    expect(r.exitCode).toBe(1)
    expectCleanError(r, /gemm\/h20\/data\.csv: line 2 has 4 cells, the header has 5/)
  })

  it('a bench table with a non-numeric cell names file, line and column', async () => {
    const dir = tmp()
    cpSync(path.join(ROOT, 'bench_data'), dir, {recursive: true})
    writeFileSync(path.join(dir, 'gemm', 'h20', 'data.csv'), 'm,k,n,latency_us,mfu\n16,2048,6144,10.6,0.12\n32,2048,6144,abc,0.2\n')
    const r = await runCli(['simulate', '--bench-data', dir])
    expect(r.exitCode).toBe(1)
    expectCleanError(r, /line 3, column "latency_us": "abc" is not a number/)
  })

  it('a table with no matching rows warns and uses the default MFU (the reference crashes here)', async () => {
    const {json, exitCode} = await runJson([
      'simulate', '--profile', 'infersim', '--model', 'deepseek-v3-infersim', '--gpu', 'H20', '--world-size', '32', '--nodes', '4',
      '--use-fp8-kv', '--decode-only', '--decode-bs', '32',
    ])
    expect(exitCode).toBe(0)
    const core = json.decode.steps.find((s: {id: string}) => s.id === 'attn-core')
    expect(core.mfu.kind).toBe('fallback')
    expect(core.mfu.value).toBe(0.6)
    expect(json.warnings.some((w: {message: string}) => /mla\/decode\/h20\/128-512-64\.csv has no fp8 KV rows/.test(w.message))).toBe(true)
  })

  it('--json errors carry the message and exit code', async () => {
    const r = await runCli(['simulate', '--gpu', 'nope', '--json'])
    expect(r.exitCode).toBe(2)
    expect(JSON.parse(r.stdout).error).toEqual({message: expect.stringContaining('unknown GPU "nope"'), exitCode: 2})
  })

  it('a real process exits 2 on a usage error without a stack trace', async () => {
    const r = await runBin(['simulate', '--tp', '3', '--world-size', '4'])
    expect(r.exitCode).toBe(2)
    expectCleanError(r, /tp 3 does not divide the world size 4/)
  })

  it('a real process exits 1 on a missing config without a stack trace', async () => {
    const r = await runBin(['simulate', '--model', 'missing/config.json', '--json'])
    expect(r.exitCode).toBe(1)
    expect(JSON.parse(r.stdout).error.message).toMatch(/missing\/config\.json does not exist/)
  })
})
