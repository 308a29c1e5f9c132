/**
 * vLLM 0.11.1-0.14 pad each expert's tokens to 128 rows in the MoE of FP8
 * block-scaled weights (DeepGEMM's grouped kernel at every batch, from the
 * release that made its E8M0 scales the default on Hopper; not at MoE TP 8
 * or more, where vLLM runs Triton's MoE instead). Its 51 H200 Qwen3-235B-A22B-FP8
 * runs (calibration/serving-h200.csv) measure it: 34-59 ms a token at 4-48
 * requests, flat with the batch, where the unpadded step is 0.71x (median).
 */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {parse} from 'csv-parse/sync'
import {afterAll, describe, expect, it} from 'vitest'
import {calibrate} from '../../src/api/calibrate.js'
import {loadEngine} from '../../src/io/engines.js'
import {gpuDefaultsOn} from '../../src/serving/engine-on-gpu.js'
import {versionAtLeast} from '../../src/util/version.js'
import {ROOT, runCli, runJson} from '../helpers/cli.js'

const dir = mkdtempSync(path.join(tmpdir(), 'infersim-expert-padding-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const H200 = {name: 'H200-SXM', memGiB: 141, computeCapability: 9}
const rowsOf = (version?: string, moeTp?: number, gpu = H200) =>
  gpuDefaultsOn(loadEngine('vllm').gpuDefaults, gpu, version, {sparseAttention: false, ...(moeTp === undefined ? {} : {moeTp})}).values.moe_expert_block_rows

describe("vLLM's padded expert GEMMs: where the rule applies", () => {
  it.each([
    ['0.12.0', 2, 128],
    ['0.11.1', 4, 128],
    ['0.12.1', 1, 128],
    ['0.11.0', 2, undefined],
    ['0.11.1rc1', 2, undefined],
    ['0.13.0', 2, 128],
    ['0.14.1', 2, 128],
    ['0.15.0', 2, undefined],
    ['0.16.0', 2, undefined],
    ['glm5-hopper', 2, undefined],
    [undefined, 2, undefined],
    ['0.12.0', 8, undefined],
    ['0.12.0', 16, undefined],
    ['0.12.0', undefined, undefined],
  ] as const)('version %s at MoE TP %s: %s rows', (version, moeTp, rows) => {
    expect(rowsOf(version, moeTp)).toBe(rows)
  })

  it('on Hopper and Blackwell (DeepGEMM), not on A100 or L40S; SGLang and TensorRT-LLM never pad', () => {
    expect(rowsOf('0.12.0', 2, {name: 'B200-SXM', memGiB: 180, computeCapability: 10})).toBe(128)
    expect(rowsOf('0.12.0', 2, {name: 'A100-SXM', memGiB: 80, computeCapability: 8})).toBeUndefined()
    expect(rowsOf('0.12.0', 2, {name: 'L40S', memGiB: 44.99, computeCapability: 8.9})).toBeUndefined()
    for (const e of ['sglang', 'trtllm'] as const) {
      expect(loadEngine(e).params.moe_expert_block_rows).toBe(0)
      expect(gpuDefaultsOn(loadEngine(e).gpuDefaults, H200, '0.12.0', {sparseAttention: false, moeTp: 2}).values.moe_expert_block_rows).toBeUndefined()
    }
  })

  it('versions at least a release: its pre-releases and names that are no release number are not', () => {
    expect([versionAtLeast('0.12.0', '0.11.1'), versionAtLeast('0.11.1', '0.11.1'), versionAtLeast('0.11.1.post1', '0.11.1')]).toEqual([true, true, true])
    expect([versionAtLeast('0.11.1rc2', '0.11.1'), versionAtLeast('0.11.0', '0.11.1'), versionAtLeast('glm5-hopper', '0.1')]).toEqual([false, false, false])
  })
})

/** vLLM 0.12.0's H200 Qwen3-235B runs of the bundled file, as a measurements file, with the version rewritten where asked. */
function qwenRuns(version = '0.12.0'): string {
  const rows: string[][] = parse(readFileSync(path.join(ROOT, 'calibration', 'serving-h200.csv'), 'utf8'))
  const h = rows[0]
  const [m, b, v] = ['model', 'backend', 'backend_version'].map((c) => h.indexOf(c))
  const keep = rows.filter((r, i) => i === 0 || (r[m] === 'qwen3-235b-a22b' && r[b] === 'vllm' && r[v] === '0.12.0'))
  const lines = keep.map((r, i) => r.map((x, j) => (i > 0 && j === v ? version : x)).map((x) => `"${x.replaceAll('"', '""')}"`).join(','))
  const file = path.join(dir, `qwen3-235b-vllm-${version}.csv`)
  writeFileSync(file, lines.join('\n') + '\n')
  return file
}

async function tpotRatios(version: string): Promise<number[]> {
  const r = await calibrate({measurements: [qwenRuns(version)], profile: 'default'})
  const tpot = r.rows.filter((x) => x.metric === 'tpot_ms' && x.status === 'ok')
  return tpot.map((x) => (x.simulated as number) / x.actual).sort((a, b) => a - b)
}

const median = (xs: number[]) => xs[xs.length >> 1]

describe("vLLM 0.12's measured H200 Qwen3-235B-FP8 runs", () => {
  it('decode as the padded expert GEMMs do: TPOT within 15% at the median, every run within 0.8-1.2x', async () => {
    const r = await tpotRatios('0.12.0')
    expect(r).toHaveLength(51)
    expect(median(r)).toBeGreaterThan(0.85)
    expect(median(r)).toBeLessThan(1.15)
    expect(r[0]).toBeGreaterThan(0.8)
    expect(r[r.length - 1]).toBeLessThan(1.2)
  })

  it('read as a later vLLM that does not pad, they come out well under the measured TPOT', async () => {
    expect(median(await tpotRatios('0.16.0'))).toBeLessThan(0.8)
  })
})

describe('simulate --serving says so', () => {
  const args = ['simulate', '--model', 'qwen3-235b-a22b', '--gpu', 'H200-SXM', '--world-size', '2', '--tp', '2', '--fp8-gemm', '--isl', '2000', '--osl', '500', '--serving', '--concurrency', '16']
  it('vLLM 0.12.0: each active expert padded to 128 rows, in text and --json', async () => {
    const t = await runCli([...args, '--engine', 'vllm', '--engine-version', '0.12.0'])
    expect(t.exitCode).toBe(0)
    expect(t.stdout).toMatch(/MoE expert GEMMs\s+each active expert's tokens padded to 128 rows/)
    const {json} = await runJson([...args, '--engine', 'vllm', '--engine-version', '0.12.0', '--json'])
    expect(json.serving.moeExpertBlockRows).toBe(128)
    const later = await runJson([...args, '--engine', 'vllm', '--engine-version', '0.16.0', '--json'])
    expect(later.json.serving.moeExpertBlockRows).toBeUndefined()
    expect(json.serving.tpotMs / later.json.serving.tpotMs).toBeGreaterThan(1.2)
  })
})
