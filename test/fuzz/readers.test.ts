/**
 * Fuzz (fast-check, fixed seed, bounded runs): random bytes, truncated files
 * and files with fields changed to random values through every reader
 * (model config, GPU spec, kernel tables, ingest CSV and JSON Lines,
 * AIConfigurator Parquet and YAML, measurements, engine files) end in a
 * result or the project's error (InfersimError), never a raw exception; what
 * a reader accepts simulates to finite figures or a clear refusal.
 */
import fc from 'fast-check'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseMeasurements} from '../../src/calibrate/measurements.js'
import {InfersimError} from '../../src/errors.js'
import {readParquetRows} from '../../src/ingest/aiconfigurator/parquet.js'
import {readSystemYaml} from '../../src/ingest/aiconfigurator/systems.js'
import {readTableCsv} from '../../src/ingest/readers/csv.js'
import {readJsonl} from '../../src/ingest/readers/jsonl.js'
import {hintsFromPath, resolveTarget} from '../../src/ingest/target.js'
import {engineFromFile, readEngineFile} from '../../src/io/engines.js'
import {readGpuFile} from '../../src/io/gpus.js'
import {loadModel} from '../../src/io/models.js'
import {loadSimInputs} from '../../src/io/inputs.js'
import {parseTableCsv} from '../../src/io/tables.js'
import {getProfile} from '../../src/profile.js'
import {simulateServing} from '../../src/serving/simulate.js'
import {DEFAULT_DEPLOYMENT} from '../../src/sim/deployment.js'
import {simulate} from '../../src/sim/simulate.js'
import {ROOT, runCli} from '../helpers/cli.js'
import {numbersOf} from './arbitraries.js'

const SEED = Number(process.env.FUZZ_SEED ?? 20261130)
const runs = (n: number) => Math.round(n * Number(process.env.FUZZ_SCALE ?? 1))
const dir = mkdtempSync(path.join(tmpdir(), 'infersim-fuzz-'))
const read = (rel: string) => readFileSync(path.join(ROOT, rel))

/** `f` returns, or throws the project's error; any other exception fails the property. */
async function resultOrInfersimError<T>(f: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await f()
  } catch (error) {
    if (!(error instanceof InfersimError)) throw new Error(`raw exception instead of a clear error: ${(error as Error)?.stack ?? String(error)}`)
    expect(error.message).not.toMatch(/\n\s+at .+:\d+:\d+/)
    return undefined
  }
}

/** Content for a reader: random bytes, a prefix of a real file, or random text made of what CSV and JSON are made of. */
const contentFor = (real: Buffer) =>
  fc.oneof(
    fc.uint8Array({maxLength: 400}).map((b) => Buffer.from(b)),
    fc.integer({min: 0, max: real.length}).map((n) => real.subarray(0, n)),
    fc.array(fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '\n', '\r', ' ', '0', '1', '.', '-', 'e', 'a', 'x', '\t', 'null', 'true', '\uFEFF', '\u0000'), {maxLength: 200}).map((parts) => Buffer.from(parts.join(''))),
  )

let fileCount = 0
const writeTemp = (name: string, content: Buffer | string) => {
  const f = path.join(dir, `${fileCount++}-${name}`)
  writeFileSync(f, content)
  return f
}

/** A JSON document with one field (at any depth) replaced by a random JSON value. */
function mutated(doc: unknown, pick: number, value: unknown): unknown {
  const copy = structuredClone(doc)
  const slots: [Record<string, unknown>, string][] = []
  const walk = (v: unknown) => {
    if (v === null || typeof v !== 'object') return
    for (const [k, child] of Object.entries(v)) {
      slots.push([v as Record<string, unknown>, k])
      walk(child)
    }
  }
  walk(copy)
  const [owner, key] = slots[pick % slots.length]
  owner[key] = value
  return copy
}

/** A random JSON value, bad numbers included. */
const fuzzValue = fc.oneof(fc.integer({min: -5, max: 5}), fc.double({noNaN: false}), fc.constantFrom(0, -1, 0.5, 1e308, null, '', '1', true, [], {}), fc.string({maxLength: 8}))

/** A JSON file's content: random bytes, a prefix, or the file with one field (at any depth) changed to a random value. */
function jsonContent(rel: string) {
  const real = read(rel)
  const doc = JSON.parse(real.toString('utf8'))
  return fc.oneof(contentFor(real), fc.tuple(fc.nat(), fuzzValue).map(([pick, v]) => Buffer.from(JSON.stringify(mutated(doc, pick, v)))))
}

/** Every figure of a result (bar the subtrees in `skip`) finite and non-negative. */
const expectFigures = (result: unknown, skip: string[]) =>
  expect(numbersOf(result, new Set(skip)).filter(([, v]) => !Number.isFinite(v) || v < 0)).toEqual([])

const qwen = loadSimInputs({model: 'qwen3-8b', gpu: 'H20', profile: 'default'})

describe('fuzz: readers', () => {
  it('model config: bytes, truncation and changed fields give a model or a clear error; a model read simulates or is refused', async () => {
    await fc.assert(
      fc.asyncProperty(jsonContent('hf_configs/qwen3-30b-a3b.json'), async (bytes) => {
        const m = await resultOrInfersimError(() => loadModel(writeTemp('config.json', bytes), {publishedConfigs: true}))
        if (!m) return
        const r = await resultOrInfersimError(() => simulate(m, {...DEFAULT_DEPLOYMENT, decodeBatch: 8}, qwen.gpu, qwen.tables, qwen.profile))
        if (r) expectFigures(r, ['inputs', 'kvCache'])
      }),
      {seed: SEED, numRuns: runs(150)},
    )
  })

  it('GPU spec: bytes, truncation and changed fields give GPUs or a clear error; a GPU read simulates or is refused', async () => {
    await fc.assert(
      fc.asyncProperty(jsonContent('data/gpus.json'), async (bytes) => {
        const gpus = await resultOrInfersimError(() => readGpuFile(writeTemp('gpus.json', bytes)))
        for (const g of gpus ?? []) {
          const r = await resultOrInfersimError(() => simulate(qwen.model, {...DEFAULT_DEPLOYMENT, decodeBatch: 8}, g, qwen.tables, qwen.profile))
          if (r) expectFigures(r, ['inputs', 'kvCache'])
        }
      }),
      {seed: SEED, numRuns: runs(100)},
    )
  })

  it('engine file: bytes, truncation and changed fields give an engine or a clear error; an engine read serves or is refused', async () => {
    const content = jsonContent('data/engines/sglang.json')
    const inputs = loadSimInputs({model: 'qwen3-8b', gpu: 'H100-SXM', profile: 'default'})
    await fc.assert(
      fc.asyncProperty(content, async (bytes) => {
        const file = writeTemp('sglang.json', bytes).replace(/[^/]*$/, 'sglang.json')
        writeFileSync(file, bytes)
        const f = await resultOrInfersimError(() => readEngineFile(file))
        if (!f) return
        const s = await resultOrInfersimError(() =>
          simulateServing(inputs.model, {...DEFAULT_DEPLOYMENT, isl: 1024, osl: 128}, inputs.gpu, inputs.tables, inputs.profile, {concurrency: 8, engine: engineFromFile(f)}),
        )
        if (s) expectFigures(s, ['params'])
      }),
      {seed: SEED, numRuns: runs(100)},
    )
  })

  it('kernel table CSV (bench_data) and ingest CSV', async () => {
    const real = read('bench_data/mha/decode/h20/32-4-128.csv')
    const target = resolveTarget({}, hintsFromPath('mha/decode/h20/32-4-128.csv'), 'in.csv')
    const source = {display: 'in.csv', recorded: 'in.csv', sha256: 'a'.repeat(64)}
    await fc.assert(
      fc.asyncProperty(contentFor(real), async (bytes) => {
        const text = bytes.toString('utf8')
        await resultOrInfersimError(() => parseTableCsv(text, 'mha/decode/h20/32-4-128.csv'))
        await resultOrInfersimError(() => readTableCsv(text, target, source))
      }),
      {seed: SEED, numRuns: runs(200)},
    )
  })

  it('JSON Lines measurement records', async () => {
    const real = Buffer.from(readFileSync(path.join(ROOT, 'test', 'fixtures', 'ingest', 'measurements.jsonl')))
    const source = {display: 'in.jsonl', recorded: 'in.jsonl', sha256: 'a'.repeat(64)}
    await fc.assert(
      fc.asyncProperty(contentFor(real), async (bytes) => {
        await resultOrInfersimError(() => readJsonl(bytes.toString('utf8'), source))
      }),
      {seed: SEED, numRuns: runs(200)},
    )
  })

  it('measurements CSV', async () => {
    const real = read('calibration/measurements.csv')
    await fc.assert(
      fc.asyncProperty(contentFor(real), async (bytes) => {
        await resultOrInfersimError(() => parseMeasurements(bytes.toString('utf8'), 'm.csv', dir))
      }),
      {seed: SEED, numRuns: runs(200)},
    )
  })

  it('AIConfigurator Parquet and system YAML', async () => {
    const parquet = read('test/ingest/aiconfigurator/fixtures/systems/l40s/mla/sglang/0.5.14/context_mla_perf.parquet')
    const yaml = read('test/ingest/aiconfigurator/fixtures/systems/l40s.yaml')
    await fc.assert(
      fc.asyncProperty(contentFor(parquet), contentFor(yaml), async (p, y) => {
        await resultOrInfersimError(() => readParquetRows(writeTemp('t.parquet', p)))
        await resultOrInfersimError(() => readSystemYaml(writeTemp('s.yaml', y)))
      }),
      {seed: SEED, numRuns: runs(100)},
    )
  })

  it('through the CLI: random bytes as a config are one clear error line, exit 1, no stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({minLength: 1, maxLength: 200}), async (bytes) => {
        const r = await runCli(['simulate', '--model', writeTemp('cli.json', Buffer.from(bytes))])
        expect(r.exitCode).toBe(1)
        expect(r.stderr).toMatch(/^Error: (model config )?\S*cli\.json\b/)
        expect(r.stderr).not.toMatch(/unexpected error|\n\s+at .+:\d+:\d+/)
      }),
      {seed: SEED, numRuns: runs(15)},
    )
  })
})
