// `infersim mfu`: one lookup, its value and where it came from, under either profile.
import {describe, expect, it} from 'vitest'
import {runCli, runJson} from '../helpers/cli.js'

describe('infersim mfu', () => {
  it('interpolates decode attention between measured rows and names them (default profile)', async () => {
    const {json, exitCode} = await runJson(['mfu', '--gpu', 'H20', '--kernel', 'mha-decode', '--shape', '32-8-128', '--batch', '48', '--kv-len', '6000'])
    expect(exitCode).toBe(0)
    expect(json.mfu.kind).toBe('interpolated')
    expect(json.mfu.table).toBe('mha/decode/h20/32-8-128.csv')
    expect(json.rows.length).toBe(json.mfu.lines.length)
    const mfus = json.rows.map((r: {values: {mfu: number}}) => r.values.mfu)
    expect(json.mfu.value).toBeGreaterThanOrEqual(Math.min(...mfus))
    expect(json.mfu.value).toBeLessThanOrEqual(Math.max(...mfus))
    expect(json.rows.every((r: {values: {batch_size: number}}) => [32, 64].includes(r.values.batch_size))).toBe(true)
  })

  it('gives the nearest measured row under --profile infersim', async () => {
    const {json} = await runJson(['mfu', '--gpu', 'H20', '--kernel', 'mha-decode', '--shape', '32-8-128', '--batch', '48', '--kv-len', '6000', '--profile', 'infersim'])
    expect(json.mfu.kind).toBe('nearest')
    expect(json.rows).toHaveLength(1)
    expect(json.mfu.value).toBe(json.rows[0].values.mfu)
  })

  it('returns the measured value at a measured GEMM shape', async () => {
    const {json} = await runJson(['mfu', '--gpu', 'H800', '--kernel', 'gemm', '--m', '1024', '--k', '7168', '--n', '1536'])
    expect(json.mfu.kind).toBe('exact')
    expect(json.rows).toHaveLength(1)
    expect(json.mfu.value).toBe(json.rows[0].values.mfu)
  })

  it('prints value, kind, table and rows as text, and says when it falls back', async () => {
    const r = await runCli(['mfu', '--gpu', 'H20', '--kernel', 'moe-prefill', '--shape', '128-4-32-8-2048-768', '--seq-len', '3000'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/^moe-prefill 128-4-32-8-2048-768 tokens=3000 on H20 \(profile default\)/)
    expect(r.stdout).toMatch(/kind +interpolated/)
    expect(r.stdout).toMatch(/line \d+ +num_experts=128/)
    const far = await runCli(['mfu', '--gpu', 'H20', '--kernel', 'gemm', '--m', '64', '--k', '64', '--n', '64'])
    expect(far.stdout).toMatch(/kind +fallback/)
    expect(far.stdout).toMatch(/warning: no GEMM row covers m=64 k=64 n=64/)
  })

  it('rejects a malformed or missing shape with a usage error', async () => {
    const bad = await runCli(['mfu', '--kernel', 'mha-decode', '--shape', '32-8', '--batch', '1', '--kv-len', '1024'])
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toMatch(/--shape "32-8" should be <heads>-<kv heads>-<head_dim>/)
    const missing = await runCli(['mfu', '--kernel', 'gemm', '--m', '16', '--k', '1024'])
    expect(missing.exitCode).toBe(2)
    expect(missing.stderr).toMatch(/--n is required for --kernel gemm/)
    const zero = await runCli(['mfu', '--kernel', 'mha-prefill', '--shape', '32-8-128', '--seq-len', '0'])
    expect(zero.exitCode).toBe(2)
    expect(zero.stderr).toMatch(/--seq-len must be positive/)
  })
})
