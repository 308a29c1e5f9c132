import {mkdtempSync, readFileSync, writeFileSync, mkdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {runBin, runCli, runJson} from '../helpers/cli.js'
import type {SweepResult} from '../../src/sweep/result.js'
import {CSV_COLUMNS} from '../../src/sweep/csv.js'

const SMALL = ['sweep', '--model', 'qwen3-30b-a3b', '--gpu', 'H20', '--max-gpus', '4', '--isl', '2048', '--osl', '512', '--tpot-max', '30', '--ttft-max', '1500', '--max-decode-batch', '128', '--top', '3', '--workers', '0']

/** The argv of an `infersim simulate ...` line the sweep printed (no quoting needed for these names). */
const argvOf = (command: string) => {
  const parts = command.split(' ')
  expect(parts.slice(0, 2)).toEqual(['infersim', 'simulate'])
  return parts.slice(1)
}

describe('infersim sweep', () => {
  it('every reported command line reproduces its figures through infersim simulate', async () => {
    const {json, exitCode} = await runJson<SweepResult>(SMALL)
    expect(exitCode).toBe(0)
    expect(json.top.length).toBe(3)
    for (const t of json.top) {
      const sim = (await runJson(argvOf(t.command))).json
      expect(sim.prefill.latencyMs).toBe(t.prefill.latencyMs)
      expect(sim.prefill.tgs).toBe(t.prefill.tgs)
      expect(sim.decode.latencyMs).toBe(t.decode.latencyMs)
      expect(sim.decode.tgs).toBe(t.decode.tgs)
    }
    const frontier = [...json.frontiers.decode, ...json.frontiers.prefill]
    expect(frontier.length).toBeGreaterThan(0)
    for (const p of frontier.filter((_, i) => i % 3 === 0)) {
      const sim = (await runJson(argvOf(p.command))).json
      const phase = p.phase === 'decode' ? sim.decode : sim.prefill
      expect(phase.latencyMs).toBe(p.latencyMs)
      expect(phase.tgs).toBe(p.tgs)
    }
    for (const d of json.disaggregated) {
      expect((await runJson(argvOf(d.prefill.command))).json.prefill.tgs).toBe(d.prefill.pick.tgs)
      expect((await runJson(argvOf(d.decode.command))).json.decode.tgs).toBe(d.decode.pick.tgs)
    }
  })

  it('--mtp: every decode point drafts and verifies, says so, and its command line reproduces it', async () => {
    const {json, exitCode} = await runJson<SweepResult>([...SMALL, '--mtp', '2', '--accept-length', '2.2'])
    expect(exitCode).toBe(0)
    expect(json.workload.speculative).toEqual({draftTokens: 2, acceptLength: 2.2, acceptLengthFrom: 'given'})
    for (const t of json.top) {
      expect(t.command).toContain(' --mtp 2 --accept-length 2.2')
      const sim = (await runJson(argvOf(t.command))).json
      expect(sim.decode.latencyMs).toBe(t.decode.latencyMs)
      expect(sim.decode.tgs).toBe(t.decode.tgs)
      expect(sim.prefill.latencyMs).toBe(t.prefill.latencyMs)
      expect(sim.decode.speculative.acceptLength).toBe(2.2)
    }
    const r = await runCli([...SMALL, '--mtp', '1'])
    expect(r.stdout).toMatch(/^speculative decoding \(--mtp\): 1 draft token a step; 1\.7 tokens a step per request \(assumed: .*\); decode points verify 2 tokens a request a step$/m)
  })

  it('text report: top deployments with their command lines, disaggregated plan, frontiers', async () => {
    const r = await runCli(SMALL)
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/Top 3 deployments meeting the targets/)
    expect(r.stdout).toMatch(/#1 {2}infersim simulate --model qwen3-30b-a3b --gpu H20 /)
    expect(r.stdout).toMatch(/prefill GPUs per decode GPU balance the phases/)
    expect(r.stdout).toMatch(/Decode frontier/)
    expect(r.stdout).toMatch(/Prefill frontier/)
  })

  it('--csv writes every simulated point with its frontier flag; --plot writes an SVG with the frontier and the targets', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sweep-'))
    const csv = path.join(dir, 'points.csv')
    const svg = path.join(dir, 'plot.svg')
    const {json} = await runJson<SweepResult>([...SMALL, '--csv', csv, '--plot', svg])
    const lines = readFileSync(csv, 'utf8').trim().split('\n')
    expect(lines[0]).toBe(CSV_COLUMNS.join(','))
    const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [CSV_COLUMNS[i], v])))
    expect(rows.length).toBe(json.counts.simulations.total)
    const onFrontier = rows.filter((r) => r.frontier === 'true')
    // The CSV flags the whole frontier; the result lists the part within the targets.
    const within = onFrontier.filter((r) => r.meets_target === 'true')
    expect(within.length).toBe(json.frontiers.decode.length + json.frontiers.prefill.length)
    for (const p of json.frontiers.decode) {
      expect(
        within.some((r) => r.phase === 'decode' && Number(r.decode_batch) === p.value && Number(r.latency_ms) === p.latencyMs && Number(r.world_size) === p.layout.worldSize),
      ).toBe(true)
    }
    const plot = readFileSync(svg, 'utf8')
    expect(plot.startsWith('<svg')).toBe(true)
    expect(plot).toContain('TPOT 30 ms')
    expect(plot).toContain('TTFT 1500 ms')
    expect((plot.match(/<path d="M/g) ?? []).length).toBe(2)
    expect(plot.trim().endsWith('</svg>')).toBe(true)
  })

  it('a failed run leaves existing output files byte-identical and no temp files behind', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sweep-'))
    const csv = path.join(dir, 'points.csv')
    writeFileSync(csv, 'old contents\n')
    mkdirSync(path.join(dir, 'plot.svg'))
    const r = await runCli([...SMALL, '--csv', csv, '--plot', path.join(dir, 'plot.svg')])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/cannot write .*plot\.svg: it is a directory/)
    expect(readFileSync(csv, 'utf8')).toBe('old contents\n')
    const {readdirSync} = await import('node:fs')
    expect(readdirSync(dir).sort()).toEqual(['plot.svg', 'points.csv'])
  })

  it('impossible targets: empty frontiers and a message naming the binding constraint and the nearest point', async () => {
    const r = await runCli(['sweep', '--model', 'qwen3-8b', '--gpu', 'H20', '--max-gpus', '2', '--tpot-max', '2', '--workers', '0'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/Nothing meets the targets:\n {2}TPOT: no deployment reaches TPOT <= 2 ms; the fastest comes to \d+\.\d+ ms \(\d+\.\d+x the target\)/)
    expect(r.stdout).toMatch(/Decode frontier .*: empty/)
    const mem = await runJson<SweepResult>(['sweep', '--model', 'deepseek-v3', '--gpu', 'H20', '--max-gpus', '8', '--workers', '0'])
    expect(mem.json.binding[0].constraint).toBe('memory')
    expect(mem.json.binding[0].message).toMatch(/^memory: no layout fits.*GiB short of 96 GiB/)
  })

  it('bad flags are usage errors naming the flag', async () => {
    for (const [args, message] of [
      [['--world-sizes', '4,x'], /--world-sizes: "x" is not a positive whole number/],
      [['--min-gpus', '16', '--max-gpus', '8'], /--min-gpus 16 is above --max-gpus 8/],
      [['--tpot-max', '-3'], /--tpot-max must be positive/],
      [['--weight-formats', 'fp7'], /--weight-formats: "fp7" is not one of/],
      [['--workers', 'many'], /--workers expects a whole number/],
      [['--gpu', 'Z80'], /unknown GPU "Z80"/],
      [['--world-sizes', '128', '--max-gpus', '64'], /--world-sizes has 128, above the GPU budget/],
    ] as const) {
      const r = await runCli(['sweep', '--model', 'qwen3-8b', ...args])
      expect(r.exitCode, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(message)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
  })

  it('--calibration ranks by calibrated figures, and the command lines reproduce them through simulate --calibration', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sweep-'))
    const fit = path.join(dir, 'fit.json')
    expect((await runCli(['calibrate', '--fit', '--measurements', 'calibration/measurements.csv', '--fit-file', fit])).exitCode).toBe(0)
    const {json} = await runJson<SweepResult>([...SMALL, '--calibration', fit])
    expect(json.calibration).toEqual({file: fit, model: 'linear'})
    expect(json.top.length).toBeGreaterThan(0)
    for (const t of json.top) {
      expect(t.command).toContain(`--calibration ${fit}`)
      const sim = (await runJson(argvOf(t.command))).json
      expect(sim.calibrated.decode.latency_ms.linear).toBe(t.decode.latencyMs)
      expect(sim.calibrated.decode.tgs.linear).toBe(t.decode.tgs)
      expect(sim.calibrated.prefill.tgs.linear).toBe(t.prefill.tgs)
      // Calibrated figures differ from the raw ones, so the ranking really used them.
      expect(sim.decode.tgs).not.toBe(t.decode.tgs)
    }
    const infersimOnly = path.join(dir, 'fit-infersim.json')
    expect((await runCli(['calibrate', '--fit', '--measurements', 'calibration/measurements.csv', '--profile', 'infersim', '--fit-file', infersimOnly])).exitCode).toBe(0)
    const bad = await runCli([...SMALL, '--calibration', infersimOnly])
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toMatch(/has no fit for profile "default"/)
  })

  it('--help has a summary, a description and examples', async () => {
    const r = await runBin(['sweep', '--help'])
    expect(r.stdout).toMatch(/Search deployments/)
    expect(r.stdout).toMatch(/EXAMPLES/)
    expect(r.stdout).toMatch(/--tpot-max/)
  })
})
