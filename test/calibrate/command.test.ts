import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {SWITCH_NAMES} from '../../src/profile.js'
import {describe, expect, it} from 'vitest'
import {ROOT, runBin, runCli, runJson} from '../helpers/cli.js'
import {HEADER, qwenDecodeRow, tempDir, writeCsv} from './helpers.js'

/** Every shipped measurements file (calibration/*.csv; measurements.csv first). */
const SHIPPED = readdirSync(path.join(ROOT, 'calibration'))
  .filter((f) => f.endsWith('.csv'))
  .sort()
  .map((f) => path.join(ROOT, 'calibration', f))

/** A copy of one bundled GPU with a field scaled, as a --gpu-spec file. */
function perturbedGpu(name: string, field: string, factor: number): string {
  const gpus = JSON.parse(readFileSync(path.join(ROOT, 'data', 'gpus.json'), 'utf8')).gpus as Record<string, unknown>[]
  const gpu = {...gpus.find((g) => g.name === name)!}
  gpu[field] = (gpu[field] as number) * factor
  const file = path.join(tempDir(), 'gpu.json')
  writeFileSync(file, JSON.stringify({gpus: [gpu]}))
  return file
}

describe('infersim calibrate', () => {
  it('evaluates every shipped row under both profiles (rows of GPUs still to come are skipped, none fails)', async () => {
    const {json, exitCode} = await runJson(['calibrate'])
    expect(exitCode).toBe(0)
    expect(json.profiles).toEqual(['infersim', 'default'])
    const shippedRows = SHIPPED.map((f) => readFileSync(f, 'utf8').trim().split('\n').length - 1).reduce((a, b) => a + b)
    expect(json.rows).toHaveLength(2 * shippedRows)
    for (const r of json.rows) {
      expect(r.status).not.toBe('failed')
      if (r.status === 'ok') {
        expect(r.error_pct).toBeCloseTo((100 * (r.simulated - r.actual)) / r.actual, 9)
      } else expect(r.error).toMatch(/not in the GPU data yet/)
    }
    expect(json.summaries.default.phases.prefill.rows).toBeGreaterThanOrEqual(3)
  })

  it('prints one line per row and the summaries', async () => {
    const r = await runCli(['calibrate', '--measurements', SHIPPED[0], '--profile', 'infersim'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/INFERSIM-QWEN3-8B-DECODE-H20\s+decode\s+tgs\s+2682\s+2581\s+-3\.8%/)
    expect(r.stdout).toMatch(/overall\s+6\s+\d+\.\d%/)
  })

  it('--check passes on the committed baseline', async () => {
    const r = await runCli(['calibrate', '--check'])
    expect(r.stderr).toBe('')
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/check against the baseline .*: passed/)
  })

  it('--check fails when H800 inter-node bandwidth is 10% higher', async () => {
    // The DeepSeek-V3 prefill row on 32 H800 moves by about 6% (two-batch overlap hides part of DeepEP): 0.66 pp of the 9 prefill rows' MAPE.
    const r = await runCli(['calibrate', '--check', '--tolerance', '0.5', '--gpu-spec', perturbedGpu('H800', 'rdmaGBs', 1.1)])
    expect(r.exitCode).toBe(1)
    expect(r.stdout).toMatch(/prefill\s+MAPE .*REGRESSION/)
    expect(r.stderr).toMatch(/calibration check failed/)
  })

  it('--check fails when a row fails to simulate, and reports it in JSON', async () => {
    const dir = tempDir()
    const m = writeCsv(dir, 'm.csv', [HEADER, qwenDecodeRow()])
    const baseline = path.join(dir, 'baseline.json')
    expect((await runCli(['calibrate', '--measurements', m, '--write-baseline', '--baseline', baseline])).exitCode).toBe(0)
    writeCsv(dir, 'm.csv', [HEADER, qwenDecodeRow({tp: 3, world_size: 3})])
    const {json, exitCode} = await runJson(['calibrate', '--measurements', m, '--check', '--baseline', baseline])
    expect(exitCode).toBe(1)
    expect(json.check.passed).toBe(false)
    expect(json.check.failures.join(' ')).toMatch(/Q8-DECODE failed: .*not divisible by tp 3/)
  })

  it('a bad row stops the run naming file, line and row; --keep-going evaluates the rest', async () => {
    const dir = tempDir()
    const m = writeCsv(dir, 'm.csv', [HEADER, qwenDecodeRow(), qwenDecodeRow({id: 'BAD', decode_batch: ''}), qwenDecodeRow({id: 'NOGPU', gpu: 'Z9000'})])
    const stop = await runBin(['calibrate', '--measurements', m])
    expect(stop.exitCode).toBe(1)
    expect(stop.stderr).toMatch(/m\.csv: line 3 \(row BAD\): a decode row needs decode_batch/)
    expect(stop.stderr).not.toMatch(/\n\s+at /)
    const {json, exitCode} = await runJson(['calibrate', '--measurements', m, '--keep-going', '--profile', 'default'])
    expect(exitCode).toBe(0)
    expect(json.invalid).toEqual([expect.objectContaining({line: 3, id: 'BAD'})])
    expect(json.rows.map((r: {id: string; status: string}) => `${r.id}:${r.status}`)).toEqual(['Q8-DECODE:ok', 'NOGPU:failed'])
  })

  it('a row only the compat profile refuses is reported there, not an error: Qwen3.5 on GB200, which the reference has no GDN tables for', async () => {
    const head = 'id,model,gpu,world_size,nodes,tp,fp8_gemm,fp8_kv,deepep,tbo,isl,osl,phase,max_prefill_tokens,decode_batch,metric,actual,source,notes,moe_tp,moe_ep,backend,backend_version'
    const m = writeCsv(tempDir(), 'm.csv', [head, 'Q35-GB200-tpot,qwen3.5-397b-a17b,GB200,8,1,8,1,0,0,0,1024,8192,serving,,64,tpot_ms,20,test,,1,8,sglang,0.5.9'])
    const {json, exitCode} = await runJson(['calibrate', '--measurements', m])
    expect(exitCode).toBe(0)
    const byProfile = Object.fromEntries(json.rows.map((r: {profile: string; status: string; error?: string}) => [r.profile, r]))
    expect(byProfile.default.status).toBe('ok')
    expect(byProfile.infersim.status).toBe('failed')
    expect(byProfile.infersim.error).toMatch(/GDN prefill table gdn\/prefill\/gb200\/.* does not exist/)
    // asked for alone, the compat profile's refusal is the run's error, as any failing row is
    expect((await runCli(['calibrate', '--measurements', m, '--profile', 'infersim'])).exitCode).toBe(1)
  })

  it('--hold-out names the views it takes, and an unknown one is a usage error before any work', async () => {
    const m = writeCsv(tempDir(), 'm.csv', [HEADER, qwenDecodeRow({id: 'R1'})])
    const out = path.join(tempDir(), 'fit.json')
    for (const [value, says] of [
      ['gpu,models', 'unknown view(s) models; choose from gpu, model, version'],
      [',', 'no view given; choose from gpu, model, version'],
    ]) {
      const r = await runCli(['calibrate', '--measurements', m, '--fit', '--fit-file', out, '--hold-out', value])
      expect(r.exitCode).toBe(2)
      expect(r.stderr).toContain(`--hold-out: ${says}`)
      expect(existsSync(out)).toBe(false)
    }
  })

  it('an unknown GPU without --keep-going is an error naming the row', async () => {
    const m = writeCsv(tempDir(), 'm.csv', [HEADER, qwenDecodeRow({id: 'NOGPU', gpu: 'Z9000'})])
    const r = await runCli(['calibrate', '--measurements', m])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/line 2 \(row NOGPU\), profile infersim: unknown GPU "Z9000"/)
  })

  it('--fit writes a valid fit that simulate --calibration applies; LOO error is printed first', async () => {
    const dir = tempDir()
    const fitFile = path.join(dir, 'fit.json')
    const r = await runCli(['calibrate', '--measurements', SHIPPED[0], '--profile', 'default', '--fit', '--fit-file', fitFile])
    expect(r.exitCode).toBe(0)
    const fitText = r.stdout.slice(r.stdout.indexOf('fit of profile'))
    expect(fitText.indexOf('leave-one-out')).toBeLessThan(fitText.indexOf('in-sample'))
    const fit = JSON.parse(readFileSync(fitFile, 'utf8'))
    expect(fit.fits[0].profile).toBe('default')
    const sim = await runJson(['simulate', '--model', 'qwen3-8b', '--gpu', 'H20', '--fp8-gemm', '--decode-batch', '64', '--calibration', fitFile])
    expect(sim.exitCode).toBe(0)
    const c = sim.json.calibrated
    expect(c.decode.tgs.raw).toBe(sim.json.decode.tgs)
    expect(c.decode.tgs.phase_factor).toBeCloseTo(sim.json.decode.tgs * fit.fits[0].phase_factors.decode.factor, 6)
    const text = await runCli(['simulate', '--model', 'qwen3-8b', '--gpu', 'H20', '--calibration', fitFile, '--no-breakdown'])
    expect(text.stdout).toMatch(/-+Calibrated-+\n.*\nPrefill\s+raw\s+phase factor\s+linear\nTTFT \(ms\)/)
    const wrong = await runCli(['simulate', '--model', 'qwen3-8b', '--profile', 'infersim', '--calibration', fitFile])
    expect(wrong.exitCode).toBe(2)
    expect(wrong.stderr).toMatch(/has no fit for profile "infersim"/)
  })

  it('a failed run leaves existing output files byte-identical', async () => {
    const dir = tempDir()
    const fitFile = writeCsv(dir, 'fit.json', ['{"old": true}'])
    const before = readFileSync(fitFile)
    const m = writeCsv(dir, 'm.csv', [HEADER, qwenDecodeRow({actual: 'x'})])
    const r = await runCli(['calibrate', '--measurements', m, '--fit', '--fit-file', fitFile, '--write-baseline', '--baseline', path.join(dir, 'b.json')])
    expect(r.exitCode).toBe(1)
    expect(readFileSync(fitFile).equals(before)).toBe(true)
    expect(existsSync(path.join(dir, 'b.json'))).toBe(false)
  })

  it('--plot writes an SVG with one point per evaluated row', async () => {
    const file = path.join(tempDir(), 'plot.svg')
    const {json} = await runJson(['calibrate', '--measurements', SHIPPED[0], '--plot', file])
    const svg = readFileSync(file, 'utf8')
    expect(svg.startsWith('<svg')).toBe(true)
    const points = (svg.match(/<g><title>/g) ?? []).length
    expect(points).toBe(json.rows.filter((r: {status: string}) => r.status === 'ok').length)
    expect(svg).toContain('INFERSIM-DSV3-DECODE-H800')
    expect((await runCli(['calibrate', '--plot', 'x.png'])).exitCode).toBe(2)
  })

  it('--ablate reports a MAPE change for every switch of the profile', async () => {
    const {json} = await runJson(['calibrate', '--measurements', SHIPPED[0], '--profile', 'default', '--ablate'])
    expect(json.ablation.map((a: {switch: string}) => a.switch)).toEqual(SWITCH_NAMES)
    for (const a of json.ablation) expect(a.overall.delta).toBeCloseTo(a.overall.mape_off - a.overall.mape_on, 9)
  })
})
