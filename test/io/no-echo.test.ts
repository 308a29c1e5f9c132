/**
 * A reader pointed at the wrong file names the file and what is wrong and
 * never repeats its bytes: every reader (model config, GPU spec, engine file,
 * fit and baseline files, measurements, kernel tables, ingest CSV and JSON
 * Lines, AIConfigurator YAML and Parquet) gets a passwd-like file and a
 * binary one.
 */
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {InfersimError} from '../../src/errors.js'
import {readParquetRows} from '../../src/ingest/aiconfigurator/parquet.js'
import {readSystemYaml} from '../../src/ingest/aiconfigurator/systems.js'
import {readEngineFile} from '../../src/io/engines.js'
import {runCli} from '../helpers/cli.js'

const SECRET = 'SECRET-7f3a9c'
const PASSWD = `root:x:0:0:${SECRET}:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n`
const BINARY = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0xff, 0xfe]), Buffer.from(SECRET), Buffer.from([0, 0, 0x80, 0x81])])
const MEASUREMENTS_HEADER = 'id,model,gpu,world_size,nodes,tp,fp8_gemm,fp8_kv,deepep,tbo,isl,osl,phase,max_prefill_tokens,decode_batch,metric,actual,source,notes'

const dir = mkdtempSync(path.join(tmpdir(), 'infersim-no-echo-'))
function file(name: string, content: string | Buffer): string {
  const p = path.join(dir, name)
  mkdirSync(path.dirname(p), {recursive: true})
  writeFileSync(p, content)
  return p
}

const leaks = (text: string) => text.includes(SECRET) || text.includes('root:x') || text.includes('daemon') || text.includes('ELF')

function expectNamedWithoutContents(out: {stdout: string; stderr: string; exitCode: number}, name: string | RegExp): void {
  expect(out.exitCode).not.toBe(0)
  const all = out.stdout + out.stderr
  expect(all).toMatch(name)
  expect(leaks(all)).toBe(false)
  expect(all).not.toMatch(/\n\s+at .+:\d+:\d+/)
}

async function libraryError(run: () => unknown): Promise<string> {
  try {
    await run()
  } catch (error) {
    expect(error).toBeInstanceOf(InfersimError)
    return (error as Error).message
  }
  throw new Error('expected an error')
}

for (const [kind, content] of [
  ['a passwd-like text', PASSWD],
  ['a binary', BINARY],
] as const) {
  describe(`${kind} given to each reader`, () => {
    const tag = kind === 'a binary' ? 'bin' : 'txt'

    it('model config (simulate --model)', async () => {
      const f = file(`${tag}/model.json`, content)
      expectNamedWithoutContents(await runCli(['simulate', '--model', f]), /model config .*model\.json (is not valid JSON|is a binary file)/)
    })

    it('GPU spec (gpus --gpu-spec)', async () => {
      const f = file(`${tag}/gpus.json`, content)
      expectNamedWithoutContents(await runCli(['gpus', '--gpu-spec', f]), /GPU file .*gpus\.json/)
    })

    it('calibration fit (simulate --calibration)', async () => {
      const f = file(`${tag}/fit.json`, content)
      expectNamedWithoutContents(await runCli(['simulate', '--calibration', f]), /calibration file .*fit\.json/)
    })

    it('baseline (calibrate --check --baseline)', async () => {
      const f = file(`${tag}/baseline.json`, content)
      expectNamedWithoutContents(await runCli(['calibrate', '--check', '--baseline', f]), /baseline file .*baseline\.json/)
    })

    it('measurements (calibrate --measurements)', async () => {
      const f = file(`${tag}/runs.csv`, content)
      expectNamedWithoutContents(await runCli(['calibrate', '--measurements', f]), /runs\.csv/)
    })

    it('a measurement row whose model is a path to the file', async () => {
      file(`${tag}/passwd`, content)
      const row = `R1,../${tag}/passwd,H20,1,1,1,0,0,0,0,1024,128,decode,,8,tpot_ms,20,test,`
      const f = file(`rows/${tag}.csv`, `${MEASUREMENTS_HEADER}\n${row}\n`)
      const r = await runCli(['calibrate', '--measurements', f, '--profile', 'default', '--keep-going', '--json'])
      const all = r.stdout + r.stderr
      expect(all).toMatch(/model config .*passwd (is not valid JSON|is a binary file)/)
      expect(leaks(all)).toBe(false)
    })

    it('kernel table (simulate --bench-data)', async () => {
      file(`${tag}-tables/gemm/h20/data.csv`, content)
      expectNamedWithoutContents(await runCli(['simulate', '--bench-data', path.join(dir, `${tag}-tables`)]), /gemm\/h20\/data\.csv/)
    })

    it('ingest CSV and JSON Lines', async () => {
      file(`${tag}-ingest/gemm/h20/data.csv`, content)
      expectNamedWithoutContents(await runCli(['ingest', path.join(dir, `${tag}-ingest`), '--dry-run']), /data\.csv/)
      const jsonl = file(`${tag}/records.jsonl`, content)
      expectNamedWithoutContents(await runCli(['ingest', jsonl, '--dry-run']), /records\.jsonl/)
    })

    it('engine file, AIConfigurator YAML and Parquet', async () => {
      const engine = file(`${tag}/engines/sglang.json`, content)
      expect(leaks(await libraryError(() => readEngineFile(engine)))).toBe(false)
      const yaml = file(`${tag}/system.yaml`, content)
      const yamlError = await libraryError(() => readSystemYaml(yaml))
      expect(yamlError).toMatch(/system\.yaml/)
      expect(leaks(yamlError)).toBe(false)
      const parquet = file(`${tag}/t.parquet`, content)
      const parquetError = await libraryError(() => readParquetRows(parquet))
      expect(parquetError).toMatch(/t\.parquet: not a readable Parquet file/)
      expect(leaks(parquetError)).toBe(false)
    })
  })
}

describe('where a JSON file goes wrong', () => {
  it('names the line and column, not the text around it', async () => {
    const f = file('typo/config.json', '{\n  "num_hidden_layers": 36,\n  "hidden_size": 4096,,\n  "note": "SECRET-7f3a9c"\n}\n')
    const r = await runCli(['simulate', '--model', f])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/config\.json is not valid JSON: unexpected character at line 3, column 23/)
    expect(leaks(r.stderr)).toBe(false)
  })

  it('a truncated file says so', async () => {
    const f = file('cut/config.json', '{\n  "num_hidden_layers": 36,\n  "hidden_si')
    const r = await runCli(['simulate', '--model', f])
    expect(r.stderr).toMatch(/config\.json is not valid JSON: it ends before the JSON value does/)
  })
})
