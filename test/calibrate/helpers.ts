/** Shared bits of the calibrate tests: temp folders and measurement CSV text. */
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {MEASUREMENT_COLUMNS} from '../../src/calibrate/types.js'
import {ROOT} from '../helpers/cli.js'

export const HEADER = MEASUREMENT_COLUMNS.join(',')

export function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'infersim-calibrate-'))
}

/** A row of the Qwen3-8B H20 decode measurement (InferSim README), with fields replaced. */
export function qwenDecodeRow(over: Partial<Record<string, string | number>> = {}): string {
  const row: Record<string, string | number> = {
    id: 'Q8-DECODE',
    model: 'qwen3-8b',
    gpu: 'H20',
    world_size: 1,
    nodes: 1,
    tp: 1,
    fp8_gemm: 1,
    fp8_kv: 0,
    deepep: 0,
    tbo: 0,
    isl: 4096,
    osl: 2048,
    phase: 'decode',
    max_prefill_tokens: '',
    decode_batch: 64,
    metric: 'tgs',
    actual: 2682,
    source: 'InferSim README',
    notes: '',
    ...over,
  }
  return MEASUREMENT_COLUMNS.map((c) => row[c]).join(',')
}

export function writeCsv(dir: string, name: string, lines: string[]): string {
  const file = path.join(dir, name)
  writeFileSync(file, `${lines.join('\n')}\n`)
  return file
}

/** vLLM's Llama-3.1-70B runs of one campaign on both GPUs, 6 runs (12 rows) each, as a file in `dir`. */
export function twoGpuRows(dir: string): string {
  const pick = (file: string, model: string) => {
    const lines = readFileSync(path.join(ROOT, 'calibration', file), 'utf8').split('\n')
    return {header: lines[0], rows: lines.filter((l) => l.includes(`,${model},`) && l.includes(',vllm,')).slice(0, 12)}
  }
  const h100 = pick('serving-h100.csv', 'llama-3.1-70b')
  const h200 = pick('serving-h200.csv', 'llama-3.1-70b-fp8')
  return writeCsv(dir, 'two-gpus.csv', [h100.header, ...h100.rows, ...h200.rows])
}
