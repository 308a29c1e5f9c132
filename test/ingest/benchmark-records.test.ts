/**
 * What the kernel_benchmark scripts hand to ingest: the command line reaches
 * them word for word, DeepEP records land in the tables the simulator reads,
 * CPU smoke-run records are refused unless --allow-cpu, and a command that
 * prints nothing is an error that leaves nothing behind.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli, runJson} from '../helpers/cli.js'
import {FIXTURES, hashTree, scratchDir} from './tree.js'

const read = (dir: string, rel: string) => readFileSync(path.join(dir, rel), 'utf8')

const gemm = (extra: Record<string, unknown> = {}) => ({kernel: 'gemm', gpu: 'H100-SXM', dtype: 'bf16', shape: {m: 16, k: 2048, n: 6144}, latency_us: 30, ...extra})

function writeRecords(dir: string, records: object[]): string {
  const file = path.join(dir, 'in.jsonl')
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n')
  return file
}

describe('ingest --run passes the command after "--" word for word', () => {
  it('flags that share a value keep their order', async () => {
    const out = scratchDir()
    const words = ['--tp', '2', '--world-size', '2', '--gpus', '2', '--model', 'x']
    const r = await runCli(['ingest', '--out', out, '--run', '--json', '--', process.execPath, path.join(FIXTURES, 'run-echo-args.mjs'), ...words])
    expect(r.exitCode, r.stderr).toBe(0)
    const raw = JSON.parse(r.stdout).raw.replace(/.*raw[\\/]/, 'raw/')
    expect(JSON.parse(JSON.parse(read(out, raw)).env.args)).toEqual(words)
    expect(JSON.parse(read(out, 'gemm/h20/bf16.provenance.json')).sources[0].command).toMatch(/run-echo-args\.mjs --tp 2 --world-size 2 --gpus 2 --model x$/)
  })

  it('a command that prints no record is an error and leaves no raw file', async () => {
    const out = scratchDir()
    const r = await runCli(['ingest', '--out', path.join(out, 'bench'), '--run', '--', process.execPath, path.join(FIXTURES, 'run-silent.mjs')])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/without printing any measurement record/)
    expect(hashTree(out)).toEqual({})
  })
})

describe('records of the kernel_benchmark scripts', () => {
  it('DeepEP dispatch and combine records go to the tables the simulator reads', async () => {
    const out = scratchDir()
    const rec = (kernel: string, bytes: number, us: number) => ({kernel, gpu: 'H800', dtype: kernel.endsWith('dispatch') ? 'fp8' : 'bf16', shape: {num_gpus: 8, message_bytes: bytes, tokens: 128, hidden_size: 7168, topk: 8}, latency_us: us})
    const file = writeRecords(out, [rec('deepep_ll_dispatch', 128 * 8 * 7168, 150), rec('deepep_ll_combine', 2 * 128 * 8 * 7168, 260), rec('deepep_normal_dispatch', 4096 * 8 * 7168, 2100)])
    const {json, exitCode} = await runJson(['ingest', file, '--out', out])
    expect(exitCode).toBe(0)
    expect(json.tables.map((t: {path: string}) => t.path).sort()).toEqual(['comm/h800/deepep_ll_combine.csv', 'comm/h800/deepep_ll_dispatch.csv', 'comm/h800/deepep_normal_dispatch.csv'])
    expect(read(out, 'comm/h800/deepep_ll_dispatch.csv')).toBe(`num_gpus,message_bytes,latency_us\n8,${128 * 8 * 7168},150\n`)
  })

  it('a sliding-window attention record goes to its -w<window> table, its MFU over the keys it reads', async () => {
    const out = scratchDir()
    // 64 heads of 64 at 8,192 tokens, window 128: 128*128/2 causal pairs (ingest counts measured causal tables by half) + 8064*128, 4*64*64 FLOPs a pair, in 195.2 us on the 989 TFLOP/s bf16 peak
    const rec = {kernel: 'attention', phase: 'prefill', gpu: 'H200-SXM', dtype: 'bf16', shape: {heads: 64, kv_heads: 8, head_dim: 64, seq_len: 8192, window: 128}, latency_us: 195.2}
    const {json, exitCode} = await runJson(['ingest', writeRecords(out, [rec]), '--out', out])
    expect(exitCode).toBe(0)
    expect(json.tables.map((t: {path: string}) => t.path)).toEqual(['mha/prefill/h200-sxm/64-8-64-w128.csv'])
    const [, row] = read(out, 'mha/prefill/h200-sxm/64-8-64-w128.csv').trim().split('\n')
    const mfu = Number(row.split(',').at(-1))
    expect(mfu).toBeCloseTo((((128 * 128) / 2 + 8064 * 128) * 4 * 64 * 64) / (195.2e-6 * 989e12), 4)
  })

  it('refuses CPU smoke-run records for a GPU table, naming the line', async () => {
    const out = scratchDir()
    const file = writeRecords(out, [gemm({stats: {timer: 'cuda_graph', repeats: 10, copies: 4}}), gemm({shape: {m: 32, k: 2048, n: 6144}, stats: {timer: 'wall'}, env: {device: 'cpu', gpu_name: 'cpu'}})])
    const before = hashTree(out)
    const r = await runCli(['ingest', file, '--out', out])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/in\.jsonl:2: a smoke-run record timed on the CPU .* cannot go into the "H100-SXM" tables.*--allow-cpu/)
    expect(hashTree(out)).toEqual(before)
  })

  it('--allow-cpu lets them in and provenance says so; the timing method is kept per source and row', async () => {
    const out = scratchDir()
    const file = writeRecords(out, [gemm({stats: {timer: 'cuda_graph', repeats: 10, copies: 4}}), gemm({shape: {m: 32, k: 2048, n: 6144}, stats: {timer: 'wall'}, env: {device: 'cpu'}})])
    const {exitCode} = await runJson(['ingest', file, '--out', out, '--allow-cpu'])
    expect(exitCode).toBe(0)
    const prov = JSON.parse(read(out, 'gemm/h100-sxm/bf16.provenance.json'))
    expect(prov.sources[0]).toMatchObject({timing: 'cuda_graph 1, wall 1', cpuTimings: '1 records timed on the CPU (smoke run), ingested with --allow-cpu: not GPU measurements'})
    expect(prov.rows.map((r: {meta: Record<string, unknown>}) => r.meta)).toEqual([{timer: 'cuda_graph', repeats: 10, copies: 4}, {timer: 'wall', device: 'cpu'}])
  })
})
