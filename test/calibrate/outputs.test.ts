/**
 * Where `calibrate --fit` writes: the user's folder (INFERSIM_HOME here), never
 * the installed package; fit.json and the engine files together; every output
 * checked before the work. `simulate --serving` reads the user's engine fit.
 */
import {createHash} from 'node:crypto'
import {chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {ROOT, runCli, runJson} from '../helpers/cli.js'
import {tempDir} from './helpers.js'

/** 24 vLLM serving rows of Qwen3-32B from the shipped set: a fit of a few seconds. */
function servingRows(dir: string): string {
  const lines = readFileSync(path.join(ROOT, 'calibration', 'serving-h100.csv'), 'utf8').split('\n')
  const rows = lines.filter((l) => l.includes(',qwen3-32b,') && l.includes(',vllm,')).slice(0, 24)
  const file = path.join(dir, 'serving.csv')
  writeFileSync(file, [lines[0], ...rows].join('\n') + '\n')
  return file
}

/** SHA-256 of every file in the package's data folders that a fit could touch. */
function packageData(): Record<string, string> {
  const out: Record<string, string> = {}
  for (const dir of ['data/engines', 'calibration']) {
    for (const f of readdirSync(path.join(ROOT, dir))) out[`${dir}/${f}`] = createHash('sha256').update(readFileSync(path.join(ROOT, dir, f))).digest('hex')
  }
  return out
}

let home: string
const saved = process.env.INFERSIM_HOME
beforeEach(() => {
  home = path.join(tempDir(), 'home')
  process.env.INFERSIM_HOME = home
})
afterEach(() => {
  process.env.INFERSIM_HOME = saved
})

describe('calibrate --fit outputs', () => {
  it('go to the user folder, leave the package as it was, and simulate --serving reads the engine fit', async () => {
    const before = packageData()
    const measurements = servingRows(tempDir())
    const {json, exitCode, stderr} = await runJson(['calibrate', '--measurements', measurements, '--profile', 'default', '--fit'])
    expect(exitCode, stderr).toBe(0)
    expect(packageData()).toEqual(before)
    expect(readdirSync(home).sort()).toEqual(['engines', 'fit.json'])
    expect(readdirSync(path.join(home, 'engines'))).toEqual(['vllm.json'])
    expect(JSON.parse(readFileSync(path.join(home, 'fit.json'), 'utf8')).fits[0].profile).toBe('default')
    const engine = JSON.parse(readFileSync(path.join(home, 'engines', 'vllm.json'), 'utf8'))
    expect(engine.parameters.step_overhead_ms.value).toBe(json.serving_fit.engines[0].params.step_overhead_ms.toPrecision(4) * 1)
    // The fit rewrites parameters, not the defaults the engine picks by GPU.
    expect(engine.gpu_defaults).toEqual(JSON.parse(readFileSync(path.join(ROOT, 'data', 'engines', 'vllm.json'), 'utf8')).gpu_defaults)
    expect(engine.gpu_defaults.length).toBeGreaterThan(0)
    // The speed factor written beside the engine fit is the one of the rows as the fitted engine predicts them
    // (calibrate without --fit reads the user's engine folder): exp(mean log speed ratio), the ratio averaged by hand here.
    const after = await runJson(['calibrate', '--measurements', measurements, '--profile', 'default'])
    const ratios = after.json.rows.filter((r: {status: string}) => r.status === 'ok').map((r: {speed_log_ratio: number}) => r.speed_log_ratio)
    expect(ratios.length).toBe(24)
    const factor = JSON.parse(readFileSync(path.join(home, 'fit.json'), 'utf8')).fits[0].phase_factors.serving
    expect(factor.log_mean).toBeCloseTo(ratios.reduce((a: number, b: number) => a + b, 0) / ratios.length, 9)

    const sim = ['simulate', '--model', 'qwen3-32b', '--gpu', 'H100-SXM', '--world-size', '2', '--tp', '2', '--serving', '--engine', 'vllm']
    const mine = await runJson(sim)
    expect(path.resolve(ROOT, mine.json.serving.engineFile)).toBe(path.join(home, 'engines', 'vllm.json'))
    const bundledDir = path.join(tempDir(), 'empty')
    mkdirSync(bundledDir)
    const bundled = await runJson([...sim, '--engine-dir', bundledDir])
    expect(path.resolve(ROOT, bundled.json.serving.engineFile)).toBe(path.join(ROOT, 'data', 'engines', 'vllm.json'))
    expect(mine.json.serving.ttftMs).not.toBe(bundled.json.serving.ttftMs)
    const missing = await runCli([...sim, '--engine-dir', path.join(bundledDir, 'nope')])
    expect(missing.exitCode).toBe(2)
    expect(missing.stderr).toMatch(/--engine-dir .*nope is not a folder/)
  })

  it('an engine folder that cannot be written fails before any work, and the fit file stays as it was', async () => {
    const dir = tempDir()
    const fitFile = path.join(dir, 'fit.json')
    writeFileSync(fitFile, '{"old": true}\n')
    writeFileSync(path.join(dir, 'engines'), 'a file where the folder should be\n')
    const r = await runCli(['calibrate', '--measurements', servingRows(dir), '--fit', '--fit-file', fitFile, '--engine-dir', path.join(dir, 'engines')])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/cannot write into engine folder .*engines: a part of the path is not a folder/)
    // No fit ran: its progress lines would be on stderr.
    expect(r.stderr).not.toMatch(/fitting vllm|vllm: fold/)
    expect(readFileSync(fitFile, 'utf8')).toBe('{"old": true}\n')
  })

  it('a fit file that cannot be written fails at once, before the shipped rows are evaluated', async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, 'not-a-folder'), 'x')
    const started = performance.now()
    const r = await runCli(['calibrate', '--fit', '--fit-file', path.join(dir, 'not-a-folder', 'fit.json')])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/cannot write fit file .*not-a-folder\/fit\.json: a part of the path is not a folder/)
    // Evaluating and fitting every shipped row takes tens of seconds.
    expect(performance.now() - started).toBeLessThan(10_000)
  })

  it.skipIf(process.getuid?.() === 0)('a read-only fit file is refused at once', async () => {
    const dir = tempDir()
    const fitFile = path.join(dir, 'fit.json')
    writeFileSync(fitFile, '{}\n')
    chmodSync(fitFile, 0o444)
    const r = await runCli(['calibrate', '--measurements', 'calibration/measurements.csv', '--fit', '--fit-file', fitFile])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/cannot write fit file .*fit\.json: permission denied/)
  })
})
